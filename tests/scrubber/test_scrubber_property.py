"""Property: secrets planted at random keys and positions in random nested data
never reach the wire, and every event stays valid for Relay."""

from __future__ import annotations

import logging
import string
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planted import leaks

import sentry_lite
from sentry_lite.integrations.logging import LoggingIntegration
from sentry_lite.scrubber import EventScrubber

_RULES = EventScrubber()
_ALNUM = string.ascii_letters + string.digits
_BASE64 = _ALNUM + "+/"


@dataclass(frozen=True)
class Planted:
    """A value carrying secrets; replaced by ``text`` before capture."""

    text: str
    secrets: tuple[str, ...]


def _token(alphabet: str, size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=size, max_size=size)


def _luhn_complete(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return body + str((10 - total % 10) % 10)


# Every secret holds an upper-case letter or is all digits, and the filler
# text around it (``_words``) has neither: a secret found on the wire was
# planted, never made up by chance from the filler.
_segment = st.builds(lambda body: "Q" + body, _token(_ALNUM + "-_", 23))
# Random parts always hold a digit and both cases, so none is an ordinary word.
_secret_part = st.builds(lambda body: "Q7x" + body, _token(_ALNUM, 17))

_jwt = st.builds(
    lambda header, payload, signature: Planted(
        f"eyJ{header}.eyJ{payload}.{signature}", (header, payload, signature)
    ),
    _segment,
    _segment,
    _segment,
)
_aws = st.builds(
    lambda body, secret: Planted(f"AKIA{body} {secret}", (body, secret)),
    st.builds(lambda body: "Q7X" + body, _token(string.ascii_uppercase + string.digits, 13)),
    st.builds(lambda body: "Aa1/" + body, _token(_BASE64, 36)),
)
_vendor = st.builds(
    lambda prefix, body: Planted(prefix + body, (body,)),
    st.sampled_from(["ghp_", "gho_", "glpat-", "xoxb-", "sk_live_", "npm_"]),
    st.builds(lambda body: "Q7x" + body, _token(_ALNUM, 33)),
)
_url = st.builds(
    lambda scheme, password: Planted(f"{scheme}://app:{password}@db.internal/x", (password,)),
    st.sampled_from(["postgres", "mysql", "redis", "https", "amqp"]),
    _secret_part,
)
_scheme = st.builds(
    lambda scheme, token: Planted(f"{scheme} {token}", (token,)),
    st.sampled_from(["Bearer", "bearer", "Basic", "Token"]),
    _secret_part,
)
_pair = st.builds(
    lambda key, separator, value: Planted(f"{key}{separator}{value}", (value,)),
    st.sampled_from(["password", "api_key", "access_token", "--db-password", "client_secret"]),
    st.sampled_from(["=", ": ", " = ", "="]),
    _secret_part,
)


def _pair_planted(key: str, separator: str, quote: str, value: str) -> Planted:
    quoted_key = f"{quote}{key}{quote}" if quote and not key.startswith(("?", "-")) else key
    # The head and the tail: a value masked only up to some length still leaks its tail.
    return Planted(f"{quoted_key}{separator}{quote}{value}{quote}", (value, value[-24:]))


# Issue 14: values that hold a sensitive word, values past 256 characters, "=>",
# "--flag value", any quoting.
_wordy_value = st.builds(
    lambda word, body: word + "Q7x" + body,
    st.sampled_from(["Password", "AccessToken", "ProdApiKey", "Secret", "Pwd"]),
    _token(_ALNUM, 9),
)
_long_value = st.builds(
    lambda body: "Q7x" + body, st.text(alphabet=_ALNUM, min_size=254, max_size=600)
)
_pair_shapes = st.builds(
    _pair_planted,
    st.sampled_from(["password", "Pwd", "token", "?api_key", "access_token", "client_secret"]),
    st.sampled_from(["=", ": ", " = ", "=>", " => "]),
    st.sampled_from(["", "'", '"']),
    st.one_of(_wordy_value, _long_value, _secret_part),
)
_flag = st.builds(
    lambda flag, value: Planted(f"{flag} {value}", (value,)),
    st.sampled_from(["--password", "--api-key", "-token", "--db-password"]),
    st.one_of(_wordy_value, _secret_part),
)
_pem = st.builds(
    lambda lines: Planted(
        "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----",
        tuple(lines),
    ),
    st.lists(st.builds(lambda body: "MII" + body, _token(_BASE64, 40)), min_size=1, max_size=3),
)


def _card_planted(body: str, spaced: bool) -> Planted:
    digits = _luhn_complete("4" + body)
    grouped = " ".join(digits[index : index + 4] for index in range(0, 16, 4))
    return Planted(grouped if spaced else digits, (digits, grouped))


_card = st.builds(_card_planted, _token(string.digits, 14), st.booleans())
_in_text = st.one_of(_jwt, _aws, _vendor, _url, _scheme, _pair, _pair_shapes, _flag, _pem, _card)
_words = st.text(alphabet=string.ascii_lowercase + " .,!?-", max_size=30)
_text_with_secret = st.builds(
    lambda before, planted, after: Planted(f"{before} {planted.text} {after}", planted.secrets),
    _words,
    _in_text,
    _words,
)

_ordinary_key = st.text(alphabet=string.ascii_letters + "_-", min_size=1, max_size=12).filter(
    lambda key: not _RULES.is_sensitive_key(key)
)
_sensitive_key = st.sampled_from(
    [
        "password",
        "db_password",
        "X-Api-Key",
        "apiKey",
        "access_token",
        "client_secret",
        "Authorization",
        "sessionid",
        "private_key",
        "Set-Cookie",
    ]
)
_keyed_secret = st.builds(
    lambda key, secret: {key: Planted(secret, (secret,))},
    _sensitive_key,
    st.builds(lambda body: "kQ" + body, _token(_ALNUM, 18)),
)
_ordinary = st.one_of(
    st.none(),
    st.booleans(),
    # Numbers too short to spell a card number; the floats Relay must get right.
    st.integers(min_value=-(2**31), max_value=2**31),
    st.sampled_from([0.5, -1.25, float("nan"), float("inf"), float("-inf")]),
    _words,
)
_data = st.recursive(
    st.one_of(_ordinary, _text_with_secret, _keyed_secret),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(_ordinary_key, children, max_size=4),
    ),
    max_leaves=12,
)


def _materialize(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, Planted):
        secrets.extend(value.secrets)
        return value.text
    if isinstance(value, dict):
        return {key: _materialize(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_materialize(item, secrets) for item in value]
    return value


def _raise_with_local(data: Any) -> None:
    payload = data  # noqa: F841 -- captured as a frame local
    raise RuntimeError("failed")


def _capture(place: str, data: Any) -> None:
    with sentry_lite.isolation_scope():
        if place == "extra":
            sentry_lite.set_extra("payload", data)
            sentry_lite.capture_message("property")
        elif place == "context":
            sentry_lite.set_context("payload", {"value": data})
            sentry_lite.capture_message("property")
        elif place == "breadcrumb":
            sentry_lite.add_breadcrumb(message=str(data), data={"payload": data})
            sentry_lite.capture_message("property")
        elif place == "tag":
            sentry_lite.set_tag("payload", f"value {data}")  # Relay refuses an empty tag
            sentry_lite.capture_message("property")
        elif place == "event":
            sentry_lite.capture_event({"message": "property", "extra": {"payload": data}})
        elif place == "message":
            sentry_lite.capture_message(f"property {data}")
        elif place == "log":
            # A mapping argument: its values are formatted in without their names.
            mapping = data if isinstance(data, dict) and data else {"payload": data}
            template = " ".join(f"%({key})s" for key in mapping)
            logging.getLogger("property").error("property " + template, mapping)
        else:
            try:
                _raise_with_local(data)
            except RuntimeError:
                sentry_lite.capture_exception()


@settings(
    max_examples=150,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=_data,
    place=st.sampled_from(
        ["extra", "context", "breadcrumb", "tag", "event", "local", "message", "log"]
    ),
)
def test_planted_secrets_never_leak_and_events_stay_valid(
    receiver, payload_validator, sentry_init, data, place
):
    if not sentry_lite.is_initialized():
        sentry_init(default_integrations=False, integrations=[LoggingIntegration()])
    receiver.clear()
    payload_validator.failures.clear()
    secrets: list[str] = []
    value = _materialize(data, secrets)
    _capture(place, value)
    sentry_lite.flush(timeout=5)
    [received] = receiver.wait_for_envelopes(1)
    assert leaks(received.body, secrets) == []
    assert payload_validator.failures == []
