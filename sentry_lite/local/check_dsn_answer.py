# The test event ``sentry-lite check-dsn`` sends, and what the server's answer means.
#
# The event goes out as the transport sends one (same connection pool, so the
# same proxies, CA bundle and timeouts; gzip, ``X-Sentry-Auth``, redirects
# followed by the transport's rules), in one attempt, and the answer becomes
# a :class:`Finding`: an exit status, a sentence, and what to do about it.
# The sentences for a refusal or a network failure are transport/failures.py's,
# the ones the SDK's own warnings use, with advice added here.

from __future__ import annotations

import gzip
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sentry_lite._version import SDK_NAME, USER_AGENT, VERSION
from sentry_lite.envelope import Envelope, Item
from sentry_lite.transport.failures import http_failure, network_failure
from sentry_lite.transport.ratelimit import ALL_CATEGORIES
from sentry_lite.transport.ratelimit_headers import limits_from_response
from sentry_lite.transport.redirects import MAX_REDIRECTS, redirect_target, refusal

if TYPE_CHECKING:
    from sentry_lite.dsn import Dsn
    from sentry_lite.options import Options

__all__ = [
    "EVENTS_ARRIVE",
    "INVALID",
    "NO_ANSWER",
    "RATE_LIMITED",
    "REFUSED",
    "Finding",
    "send_test_event",
    "test_event",
]

EVENTS_ARRIVE = 0
REFUSED = 1
INVALID = 2
RATE_LIMITED = 3
NO_ANSWER = 4

#: The message of the test event (so it can be found, and ignored, in Sentry).
TEST_MESSAGE = "sentry-lite check-dsn: a test event (it can be ignored)"

#: What to do about each refusal, after failures.py's sentence.
_ADVICE: dict[int, str] = {
    400: "the server could not read the envelope: is the DSN's server a Sentry-compatible one?",
    401: "the key is not accepted: copy the DSN again from the project's Client Keys page",
    403: (
        "the key is wrong, revoked or disabled, or the project is: check the project's"
        " Client Keys page (a self-hosted Relay may also not know the key yet)"
    ),
    404: (
        "no such project on this server: check the project id at the end of the DSN, and"
        " the path before it (a Sentry behind a path prefix keeps it in the DSN)"
    ),
    407: (
        "put the proxy's user name and password in the proxy URL"
        " (http://user:password@proxy:port, in http_proxy/https_proxy: option or variable)"
    ),
    413: (
        "a tiny test event was too large for the server, so something in front of it limits"
        " request bodies far below Sentry's 1 MB per event (nginx: client_max_body_size)"
    ),
}


@dataclass(frozen=True)
class Finding:
    # What a step found.
    #
    # Attributes:
    #     code: The exit status it leads to (0 when events will arrive).
    #     text: What happened, in plain words.
    #     advice: What to do about it ("" when nothing is to be done).
    #     notes: Further remarks (a rate limit on another category, a redirect).

    code: int
    text: str
    advice: str = ""
    notes: tuple[str, ...] = field(default=())


def test_event(now: float) -> dict[str, Any]:
    # The test event: an info-level message, tagged so it can be told apart.
    return {
        "event_id": uuid.uuid4().hex,
        "timestamp": now,
        "platform": "python",
        "level": "info",
        "logger": "sentry_lite.check_dsn",
        "message": {"formatted": TEST_MESSAGE},
        "server_name": socket.gethostname(),
        "tags": {"sentry_lite.check_dsn": "yes"},
        "sdk": {"name": SDK_NAME, "version": VERSION},
    }


def send_test_event(dsn: Dsn, options: Options, timeout: float) -> Finding:
    # POST the test event to ``dsn`` once (redirects followed); what the answer means.
    from urllib3.exceptions import HTTPError, ReadTimeoutError

    from sentry_lite.transport.pool import make_pool

    event = test_event(time.time())
    sent_at = datetime.now(timezone.utc).isoformat()
    envelope = Envelope(
        {"event_id": event["event_id"], "sent_at": sent_at, "sdk": event["sdk"]},
        [Item("event", event)],
    )
    headers = {
        "X-Sentry-Auth": dsn.auth_header(USER_AGENT),
        "Content-Type": "application/x-sentry-envelope",
        "Content-Encoding": "gzip",
        "User-Agent": USER_AGENT,
    }
    body = gzip.compress(envelope.serialize())
    pool = make_pool(options, dsn, (timeout, timeout))
    url, notes = dsn.envelope_url, []
    try:
        for _ in range(MAX_REDIRECTS + 1):
            response = pool.request(
                "POST", url, body=body, headers=headers, preload_content=True, redirect=False
            )
            target = redirect_target(url, response.status, response.headers.get("Location"))
            if target is None:
                break
            why = refusal(url, target)
            if why is not None:
                return Finding(
                    REFUSED, f"HTTP {response.status} {why}", "put that URL's server in the DSN"
                )
            notes.append(
                f"HTTP {response.status}: redirected to {target}; the SDK follows it,"
                " but the DSN should point there"
            )
            url = target
        else:
            return Finding(REFUSED, f"more than {MAX_REDIRECTS} redirects", "a redirect loop")
    except ReadTimeoutError:
        return Finding(
            NO_ANSWER,
            f"no answer from {dsn.netloc} within {timeout:g} s (read timeout)",
            "the server took the connection but did not answer: it may be overloaded or hung;"
            " the SDK waits 5 s by default",
        )
    except (HTTPError, OSError) as error:
        return Finding(NO_ANSWER, network_failure(error, dsn.netloc), _network_advice(error))
    finally:
        pool.clear()
    return _explain(response.status, response.headers, response.data or b"", event, notes)


def _explain(
    status: int, headers: Any, body: bytes, event: dict[str, Any], notes: list[str]
) -> Finding:
    limits = limits_from_response(status, headers)
    blocking = {c: s for c, s in limits.items() if c in (ALL_CATEGORIES, "error", "default")}
    others = sorted(c for c in limits if c not in blocking)
    if others:
        notes.append(f"rate limits on other data: {', '.join(others)}")
    if status == 429 or (200 <= status < 300 and blocking):
        seconds = max(blocking.values(), default=0.0)
        until = datetime.fromtimestamp(time.time() + seconds, timezone.utc)
        what = "HTTP 429 too many requests" if status == 429 else f"HTTP {status}, yet"
        return Finding(
            RATE_LIMITED,
            f"{what}: rate limited for {seconds:g} s (until {until:%H:%M:%S} UTC)",
            "the project's or organization's quota is used up, or a spike protection is on:"
            " events are dropped until then (raise the quota, or lower sample_rate)",
            tuple(notes),
        )
    if 200 <= status < 300:
        return Finding(
            EVENTS_ARRIVE,
            f"HTTP {status}: the server accepted the test event {event['event_id']}",
            notes=tuple(notes),
        )
    advice = _ADVICE.get(status, "")
    if not advice and status >= 500:
        advice = "the server failed: try again later; if it lasts, look at the server's logs"
    return Finding(REFUSED, http_failure(status, body), advice, tuple(notes))


def _network_advice(error: BaseException) -> str:
    from urllib3.exceptions import ProxyError, SSLError

    text = str(error).lower()
    if isinstance(error, ProxyError) or "proxy" in text:
        return (
            "the proxy refused or failed: check http_proxy/https_proxy (options, or the"
            " environment), and no_proxy for hosts that must be reached directly"
        )
    if isinstance(error, SSLError) or "certificate" in text:
        return "a certificate problem: give the CA bundle with --ca-certs (ca_certs= in init())"
    return "check the host and port in the DSN, and firewalls on the way"
