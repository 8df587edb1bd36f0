"""Fake secrets the scrubber tests plant, and a check that none reached the wire.

Each secret is the part that must never be sent; what stays readable around
it (``AKIA``, ``ghp_``, ``Bearer ``, a URL's user and host) is not listed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sentry_lite.local.receiver import Receiver

PASSWORD = "hunter2-Very-Secret"
TOKEN = "tok_5f2b8c9d1e7a4b3c99"
API_KEY = "k3y-8d7f6e5d4c3b2a1908"
BEARER = "abc123DEF456ghi789JKL"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_KEY_ID_SECRET_PART = AWS_KEY_ID[4:]
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
URL_PASSWORD = "s3cr3t-db-pass"
CARD = "4111 1111 1111 1111"
CARD_DIGITS = CARD.replace(" ", "")
GITHUB_TOKEN_BODY = "abcdefghijklmnopqrstuvwxyz0123456789"
PEM_BODY_LINES = (
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
    "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo",
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + "\n".join(PEM_BODY_LINES)
    + "\n-----END RSA PRIVATE KEY-----\n"
)

# Issue 14: values that hold a sensitive word (once read as a name passed on),
# values past 256 characters, and more token shapes.
WORDY_PASSWORD = "Password2024xQ"
WORDY_TOKEN = "AccessToken42xQ"
WORDY_API_KEY = "ProdApiKey7731"
LONG_SECRET = "Lq7" + "".join(f"{index:03d}Zx" for index in range(80))  # 403 characters
LONG_SECRET_TAIL = LONG_SECRET[-60:]
SLASHED_URL_PASSWORD = "pa/ss#wd9Q"
HUGGING_FACE_BODY = "AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh"
TWILIO_BODY = "0123456789abcdef0123456789abcdef"
SAS_SIGNATURE = "Sg9xQ2vLp0Wm%2BzA8bC%3D"

#: Every secret part above, as it must never appear on the wire.
SECRETS: tuple[str, ...] = (
    PASSWORD,
    TOKEN,
    API_KEY,
    BEARER,
    JWT,
    *JWT.split("."),
    AWS_KEY_ID_SECRET_PART,
    AWS_SECRET,
    URL_PASSWORD,
    CARD,
    CARD_DIGITS,
    GITHUB_TOKEN_BODY,
    *PEM_BODY_LINES,
    WORDY_PASSWORD,
    WORDY_TOKEN,
    WORDY_API_KEY,
    LONG_SECRET_TAIL,
    SLASHED_URL_PASSWORD,
    HUGGING_FACE_BODY,
    TWILIO_BODY,
    SAS_SIGNATURE,
)


def leaks(body: bytes, secrets: Iterable[str] = SECRETS) -> list[str]:
    """The secrets found in ``body``, as sent or as JSON would escape them."""
    found = []
    for secret in secrets:
        forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
        if any(form.encode("utf-8") in body for form in forms):
            found.append(secret)
    return found


def wire_bodies(receiver: Receiver, count: int) -> list[bytes]:
    """The request bodies (after undoing gzip) of the first ``count`` envelopes."""
    return [received.body for received in receiver.wait_for_envelopes(count)]
