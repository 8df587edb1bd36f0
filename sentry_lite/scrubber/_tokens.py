# Secrets found by their shape alone: tokens, access keys, card numbers.
#
# Each is a run of 13 or more token characters (``[A-Za-z0-9_-]``, dots
# allowed between parts for JWTs), so one C-speed search finds the candidates
# and each run is judged here in Python:
#
# - JWTs (``eyJ...``), masked whole;
# - vendor tokens by their prefix, the prefix kept (``ghp_[Filtered]``):
#   GitHub, GitLab, Slack, Stripe, OpenAI/Anthropic, Google, npm, PyPI,
#   SendGrid, Hugging Face (``hf_`` and mixed-case letters and digits);
# - Twilio API key SIDs (``SK`` and 32 hex digits), ``SK`` kept;
# - AWS access key ids (``AKIA...``, the prefix kept) and the 40-character
#   secret key next to one, or alone as a whole value;
# - card numbers that pass the Luhn check, with or without separators.

from __future__ import annotations

import re

from sentry_lite._masking import FILTERED
from sentry_lite.scrubber._luhn import is_card_number

__all__ = ["AWS_SECRET", "RUN", "SPACED_CARD", "is_aws_secret", "spaced_card", "token"]

RUN = re.compile(r"[A-Za-z0-9_-]{13,}(?:\.[A-Za-z0-9_-]+)*")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*){0,3}")
# Prefix kept, the rest of the run masked when at least this long.
_VENDOR_PREFIXES: dict[str, int] = {
    "ghp_": 36,  # GitHub
    "gho_": 36,
    "ghu_": 36,
    "ghs_": 36,
    "ghr_": 36,
    "github_pat_": 22,
    "glpat-": 20,  # GitLab
    "gldt-": 20,
    "glrt-": 20,
    "glptt-": 20,
    "glft-": 20,
    "glsoat-": 20,
    "glcbt-": 20,
    "glimt-": 20,
    "gloas-": 20,
    "xoxa-": 10,  # Slack
    "xoxb-": 10,
    "xoxp-": 10,
    "xoxo-": 10,
    "xoxs-": 10,
    "xoxr-": 10,
    "xoxe-": 10,
    "xapp-": 10,
    "sk_live_": 10,  # Stripe
    "sk_test_": 10,
    "rk_live_": 10,
    "rk_test_": 10,
    "whsec_": 20,
    "sk-": 20,  # OpenAI, Anthropic ("sk-proj-...", "sk-ant-...")
    "AIza": 35,  # Google API keys
    "npm_": 36,  # npm
    "pypi-": 50,  # PyPI
    "SG.": 16,  # SendGrid
    "hf_": 30,  # Hugging Face (34 letters); see _MIXED_CASE
}
_VENDOR_PREFIX_TUPLE = tuple(sorted(_VENDOR_PREFIXES, key=len, reverse=True))
# Prefixes that are also how ordinary names start ("hf_hub_download_..."): the rest
# must be letters and digits, mixed case, to be a token.
_MIXED_CASE = frozenset({"hf_"})
# Twilio API key SID: "SK" and 32 hex digits.
_TWILIO_PREFIX = "SK"
_TWILIO_LENGTH = 34
_HEX = frozenset("0123456789abcdefABCDEF")
_AWS_KEY_ID_PREFIXES = frozenset({"AKIA", "ASIA", "ABIA", "ACCA"})
_AWS_KEY_ID_LENGTH = 20
_AWS_SECRET_LENGTH = 40
AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_CARD_DIGITS = range(13, 20)
# The look-behind comes after the first digit so the engine can skip ahead to a [2-6].
SPACED_CARD = re.compile(r"[2-6](?<![\w.].)[0-9]{3}(?: [0-9]{2,6}){2,4}(?![\w.])")


def token(match: re.Match[str], aws_key_found: list[bool]) -> str:
    # A :data:`RUN` with the secret in it masked; ``aws_key_found`` is appended
    # to when it is an AWS access key id (its secret key may be next to it).
    run = match.group(0)
    if run.startswith("eyJ"):
        jwt = _JWT.match(run)
        if jwt is not None:
            return FILTERED + run[jwt.end() :]
        return run
    if run.startswith(_VENDOR_PREFIX_TUPLE):
        return _vendor_token(run)
    if len(run) == _TWILIO_LENGTH and run.startswith(_TWILIO_PREFIX) and _HEX.issuperset(run[2:]):
        return _TWILIO_PREFIX + FILTERED
    head = run[:_AWS_KEY_ID_LENGTH]
    if (
        head[:4] in _AWS_KEY_ID_PREFIXES
        and (len(run) == _AWS_KEY_ID_LENGTH or not run[_AWS_KEY_ID_LENGTH].isalnum())
        and head.isalnum()
        and head.upper() == head
    ):
        aws_key_found.append(True)
        return head[:4] + FILTERED + run[_AWS_KEY_ID_LENGTH:]
    if "." not in run:
        digits = run.replace("-", "")
        if len(digits) in _CARD_DIGITS and digits.isdigit() and is_card_number(digits):
            return FILTERED
    return run


def _vendor_token(run: str) -> str:
    for prefix in _VENDOR_PREFIX_TUPLE:
        if run.startswith(prefix):
            rest = run[len(prefix) :]
            if len(rest) < _VENDOR_PREFIXES[prefix]:
                return run
            if prefix in _MIXED_CASE and (
                not rest.isalnum() or rest.islower() or rest.isupper() or rest.isdigit()
            ):
                return run
            return prefix + FILTERED
    return run


def spaced_card(match: re.Match[str]) -> str:
    # A :data:`SPACED_CARD` match, masked when it is a card number.
    digits = match.group(0).replace(" ", "").replace("-", "")
    return FILTERED if len(digits) in _CARD_DIGITS and is_card_number(digits) else match.group(0)


def is_aws_secret(text: str) -> bool:
    # A whole value of 40 base64 characters, mixed case with digits (a hex
    # SHA-1 digest is not one).
    return (
        len(text) == _AWS_SECRET_LENGTH
        and AWS_SECRET.fullmatch(text) is not None
        and not text.islower()
        and not text.isupper()
        and any(char.isdigit() for char in text)
    )
