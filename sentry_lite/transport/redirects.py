# Following the server's redirects for the envelope POST.
#
# A DSN host may answer 301, 302, 307 or 308: an http → https redirect, an
# ingest that moved. (sentry_sdk lets urllib3 follow up to 3, https → http
# included.) Here the POST follows up to :data:`MAX_REDIRECTS` of them, keeping the
# method, the body and the headers (``X-Sentry-Auth`` included: a moved
# ingest needs the key), with these rules:
#
# - never from https to http (the envelope and the key would then travel in
#   the clear), nor to a scheme other than http and https: the redirect is
#   not followed and the envelope counts as ``send_error``;
# - one more redirect than :data:`MAX_REDIRECTS` (a loop): ``send_error``;
# - 303 and the other 3xx are not redirects for a POST of data: the answer
#   stands (``send_error``);
# - the first time a chain is followed, one WARNING says that the DSN should
#   point at the final URL;
# - a chain of permanent redirects only (301, 308) is remembered for later
#   sends of this transport, as HTTP lets a client do, until a send there
#   gets no answer; a temporary one (302, 307) is followed every time.
#
# :func:`redirect_target` and :func:`refusal` are the decisions;
# :class:`Redirects` keeps what one transport learned.

from __future__ import annotations

from typing import Optional
from urllib.parse import urljoin, urlsplit

from sentry_lite._log import logger

__all__ = [
    "MAX_REDIRECTS",
    "PERMANENT",
    "REDIRECT_STATUSES",
    "Redirects",
    "redirect_target",
    "refusal",
]

#: Redirects followed for one POST; one more is a loop.
MAX_REDIRECTS = 5
#: The statuses followed, method and body kept.
REDIRECT_STATUSES = frozenset({301, 302, 307, 308})
#: The statuses whose target may be remembered.
PERMANENT = frozenset({301, 308})


def redirect_target(url: str, status: int, location: Optional[str]) -> Optional[str]:
    # The absolute URL an answer of ``status`` to a POST to ``url`` sends it to; None if none.
    if status not in REDIRECT_STATUSES or not location or not location.strip():
        return None
    return urljoin(url, location.strip())


def refusal(url: str, target: str) -> Optional[str]:
    # Why a redirect from ``url`` to ``target`` must not be followed, in words; None to follow.
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        return f"redirected to {target!r}: not an http(s) URL, not followed"
    if urlsplit(url).scheme.lower() == "https" and scheme == "http":
        return f"redirected from https to http ({target}): not followed, it would send in the clear"
    return None


class Redirects:
    # What one transport learned of its server's redirects.
    #
    # Args:
    #     url: The DSN's envelope URL.
    #
    # Used by the worker thread only (no lock).

    __slots__ = ("_remembered", "_url", "_warned")

    def __init__(self, url: str) -> None:
        self._url = url
        self._remembered: Optional[str] = None
        self._warned = False

    @property
    def start_url(self) -> str:
        # Where the next POST goes first: the DSN's URL, or a permanent redirect's target.
        return self._remembered or self._url

    def followed(self, chain: list[tuple[int, str]]) -> None:
        # A POST was redirected along ``chain`` (status, target) and answered at its end.
        if not chain:
            return
        final = chain[-1][1]
        if all(status in PERMANENT for status, _ in chain):
            self._remembered = final
        if not self._warned:
            self._warned = True
            statuses = ", ".join(str(status) for status, _ in chain)
            logger.warning(
                "the server redirects envelopes from %s to %s (HTTP %s): events are delivered,"
                " but point the DSN at the final URL's host%s",
                self._url,
                final,
                statuses,
                _suggested_dsn(self._url, final),
            )

    def no_answer(self) -> None:
        # A POST got no answer: go back to the DSN's URL for the next one.
        self._remembered = None


def _suggested_dsn(url: str, final: str) -> str:
    # ``: https://<key>@host/path/<project>`` when ``final`` is an envelope URL; else ``""``.
    original = urlsplit(url)
    target = urlsplit(final)
    original_tail = original.path[original.path.rfind("/api/") :]
    if not original_tail.startswith("/api/") or not target.path.endswith(original_tail):
        return ""
    project = original_tail[len("/api/") :].split("/", 1)[0]
    prefix = target.path[: len(target.path) - len(original_tail)]
    return f" (e.g. {target.scheme}://<key>@{target.netloc}{prefix}/{project})"
