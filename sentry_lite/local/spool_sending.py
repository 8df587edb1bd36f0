# ``sentry-lite spool send``: one DSN's spooled envelopes delivered now, each accounted for.
#
# Each file is claimed (so a program draining the same spool never sends it
# too), handed to a fresh :class:`~sentry_lite.transport.http.HttpTransport`
# for the DSN, flushed, and judged by what the transport counted:
#
# - sent (2xx): the file is removed;
# - answered otherwise (refused, 429, too large): removed, as the transport's
#   own drain does: once the server answered, sending it again only adds load;
# - held back by a rate limit an earlier answer set: released (kept) and the
#   rest wait: they would be held back too;
# - no answer within the wait: released (kept), and the rest wait too.
#
# ``timeout`` bounds each request (connect and read); the wait for each file
# adds a grace for the transport's own start (its first send imports the HTTP
# stack), so a slow machine never reports a refused connection as a server
# that did not answer.
#
# The transport has no spool of its own here and sends no client reports:
# what stays on disk is not lost, and this command says what happened.

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sentry_lite._frozen import replace
from sentry_lite.local.command_transport import answer_wait, command_transport
from sentry_lite.local.quiet_sdk import sdk_warnings_quiet

if TYPE_CHECKING:
    from sentry_lite.dsn import Dsn
    from sentry_lite.transport.http import HttpTransport
    from sentry_lite.transport.spool import Spool

__all__ = ["SendOutcome", "send_directory"]

# Drops after which the envelope is still deliverable later: it stays in the spool.
_KEPT_REASONS = frozenset({"ratelimit_backoff", "network_error"})


@dataclass
class SendOutcome:
    # What ``spool send`` did with one directory.
    #
    # Attributes:
    #     sent: Envelopes the server accepted (removed).
    #     refused: Envelopes the server answered with an error, by drop reason
    #         (removed), with the transport's words for the first of each.
    #     kept: Envelopes left in the spool.
    #     why_kept: Why the sending stopped, when it did.

    sent: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    refusal_words: dict[str, str] = field(default_factory=dict)
    kept: int = 0
    why_kept: str = ""

    @property
    def all_sent(self) -> bool:
        return not self.refused and not self.kept

    def summary(self) -> str:
        parts = [f"{self.sent} sent"]
        for reason, count in sorted(self.refused.items()):
            words = self.refusal_words.get(reason, "")
            parts.append(f"{count} refused and removed ({reason}{': ' + words if words else ''})")
        if self.kept:
            parts.append(f"{self.kept} kept in the spool ({self.why_kept})")
        return ", ".join(parts)


def send_directory(spool: Spool, dsn: Dsn, timeout: float) -> SendOutcome:
    # Send ``spool``'s envelopes to ``dsn``, oldest first, waiting ``timeout`` s for each.
    outcome = SendOutcome()
    transport = _transport(dsn, timeout)
    with sdk_warnings_quiet():  # what happened is said by the summary
        _send_all(spool, transport, outcome, timeout)
    return outcome


def _send_all(spool: Spool, transport: HttpTransport, outcome: SendOutcome, timeout: float) -> None:
    try:
        while True:
            claimed = spool.claim_oldest()
            if claimed is None:
                break
            before = transport.stats()
            transport.capture_envelope(claimed.envelope)
            answered_in_time = transport.flush(answer_wait(timeout))
            after = transport.stats()
            new_drops = {
                reason
                for (reason, _), n in after.dropped.items()
                if n > before.dropped.get((reason, _), 0)
            }
            if after.sent > before.sent:
                spool.remove(claimed)
                outcome.sent += 1
            elif not answered_in_time or not new_drops or new_drops <= _KEPT_REASONS:
                transport.kill()  # nothing more goes out on this transport
                spool.release(claimed)
                outcome.why_kept = _why_kept(transport, new_drops, answered_in_time, timeout)
                outcome.kept = spool.count()
                break
            else:
                spool.remove(claimed)
                for reason in new_drops - _KEPT_REASONS:
                    outcome.refused[reason] += 1
                    words = transport.counters.explanation(reason)
                    if words:
                        outcome.refusal_words.setdefault(reason, words)
    finally:
        transport.kill()


def _transport(dsn: Dsn, timeout: float) -> HttpTransport:
    from sentry_lite.options import build_options

    options = build_options(
        str(dsn),
        {"send_client_reports": False, "max_retry_age": timeout, "default_integrations": False},
    )
    # No spool of its own, whatever SENTRY_LITE_SPOOL_DIR says (build_options reads it for
    # an option left unset): this command owns the files, and a failed send that spooled
    # again would leave a copy beside the file it keeps.
    return command_transport(replace(options, spool_dir=None), timeout)


def _why_kept(
    transport: HttpTransport, drops: set[str], answered_in_time: bool, timeout: float
) -> str:
    if not answered_in_time:
        return f"no answer within {answer_wait(timeout):g} s"
    if "ratelimit_backoff" in drops:
        return "rate limited: the server asked to wait before sending more"
    words = transport.counters.explanation("network_error")
    if not words:
        return "no answer"
    return words if words.startswith("no answer") else f"no answer: {words}"
