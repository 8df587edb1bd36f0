# ``sentry-lite send-event``: report a message from a shell script, and say if it arrived.
#
#     sentry-lite send-event --message "backup failed" --level error --tag host=db1
#
# The event goes through the SDK as a program's would (``init()``, then
# ``capture_message``: scrubbing, rate limits, the size budget, retries, the
# spool when ``SENTRY_LITE_SPOOL_DIR`` is set), without the default
# integrations or a release-health session. The event id is printed on
# stdout; what went wrong, on stderr. The exit status says whether the server
# accepted it (:data:`EXIT_CODES`), so a script can act on it.
#
# ``timeout`` bounds each request and how long a send that got no answer is
# retried; the wait for the answer is command_transport.py's.

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, Any, Optional

from sentry_lite.local.quiet_sdk import sdk_warnings_quiet

__all__ = ["EXIT_CODES", "add_send_event_command", "send_event"]

#: Each exit status of ``sentry-lite send-event`` and what it means.
EXIT_CODES: dict[int, str] = {
    0: "delivered: the server accepted the event (its id is printed)",
    1: "not delivered: refused by the server, rate limited, or no answer in time",
    2: "nothing sent: no DSN, or a wrong argument",
    3: "not delivered yet: kept in the spool, a later run or `sentry-lite spool send` sends it",
}

LEVELS = ("debug", "info", "warning", "error", "fatal")

#: Plain words for the drop reasons a lone message can meet.
_REASON_WORDS: dict[str, str] = {
    "send_error": "refused by the server",
    "server_rate_limited": "rate limited by the server (HTTP 429): dropped until the limit passes",
    "ratelimit_backoff": "held back: the server asked for a pause (rate limit)",
    "network_error": "no answer from the server",
    "invalid": "too large to send",
}


def send_event(
    message: str,
    out: IO[str],
    err: IO[str],
    *,
    level: str = "info",
    tags: Optional[dict[str, str]] = None,
    dsn: Optional[str] = None,
    release: Optional[str] = None,
    environment: Optional[str] = None,
    timeout: float = 10.0,
) -> int:
    # Send one message event, each request bounded by ``timeout`` seconds; the exit status.
    #
    # ``dsn`` None means the ``SENTRY_DSN`` environment variable.
    import sentry_lite
    from sentry_lite._errors import ConfigurationError
    from sentry_lite.local.command_transport import answer_wait, command_transport
    from sentry_lite.options import NOT_GIVEN, build_options

    if not (dsn or os.environ.get("SENTRY_DSN")):
        err.write("sentry-lite send-event: no DSN: give --dsn or set SENTRY_DSN\n")
        return 2
    dropped: list[str] = []
    options: dict[str, Any] = {
        "default_integrations": False,
        "auto_session_tracking": False,
        # Given up within the wait, so the reason is known before it ends.
        "max_retry_age": timeout,
        "shutdown_timeout": 0.0,
        "on_drop": lambda reason, category, quantity: dropped.append(reason),
    }
    if release is not None:
        options["release"] = release
    if environment is not None:
        options["environment"] = environment
    try:
        # The transport init() would make, with ``timeout`` for each request.
        given_dsn = dsn or NOT_GIVEN
        options["transport"] = command_transport(build_options(given_dsn, options), timeout)
        sentry_lite.init(given_dsn, **options)
    except ConfigurationError as error:
        err.write(f"sentry-lite send-event: {error}\n")
        return 2
    client = sentry_lite.get_client()
    # What went wrong is said below, once: not by the SDK's own warning as well.
    with sdk_warnings_quiet():
        event_id = sentry_lite.capture_message(message, level=level, tags=dict(tags or {}))
        client.flush(answer_wait(timeout))
        answered_drops = list(dropped)
        counters = getattr(client.transport, "counters", None)
        client.close(0.0)  # what is still in flight goes to the spool, if there is one
        stats = sentry_lite.delivery_stats() if counters is None else counters.snapshot()
    if event_id is not None and stats.sent:
        out.write(f"{event_id}\n")
        return 0
    if stats.spooled:
        why = counters.explanation("network_error") if counters is not None else None
        why = why or f"no answer within {answer_wait(timeout):g} s"
        err.write(f"not delivered yet: {why}; kept in the spool\n")
        return 3
    if event_id is None:
        err.write(f"not sent: dropped before sending ({', '.join(dropped) or 'no client'})\n")
        return 1
    if not answered_drops:
        err.write(f"not delivered: no answer within {answer_wait(timeout):g} s\n")
    else:
        reason = answered_drops[0]
        why = counters.explanation(reason) if counters is not None else None
        words = why or _REASON_WORDS.get(reason, "dropped")
        err.write(f"not delivered ({reason}): {words}\n")
    err.write("`sentry-lite check-dsn` explains what the server answers\n")
    return 1


def add_send_event_command(commands: Any) -> None:
    # Add ``send-event`` to the ``sentry-lite`` subcommands (``commands`` is argparse's).
    codes = "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())
    command = commands.add_parser(
        "send-event",
        help="send one message event (for shell scripts); the exit status says if it arrived",
        description=(
            "Send one message event through the SDK and wait for the server's answer."
            " The event id goes to stdout. The DSN is --dsn, else SENTRY_DSN."
        ),
        epilog=f"exit status:\n{codes}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("--message", "-m", required=True, help="the event's message")
    command.add_argument("--level", default="info", choices=LEVELS, help="default: info")
    command.add_argument(
        "--tag",
        action="append",
        default=[],
        type=_tag,
        metavar="KEY=VALUE",
        help="a tag; repeat for more",
    )
    command.add_argument("--dsn", help="where to send (default: the SENTRY_DSN variable)")
    command.add_argument("--release", help="the release (default: SENTRY_RELEASE, if set)")
    command.add_argument("--environment", help="the environment (default: production)")
    command.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="seconds each request may take, and how long to retry one unanswered (default: 10)",
    )
    command.set_defaults(runner=_run_from_arguments)


def _tag(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key.strip():
        raise argparse.ArgumentTypeError(f"a tag is KEY=VALUE, got {text!r}")
    return key.strip(), value


def _run_from_arguments(args: argparse.Namespace) -> int:
    return send_event(
        args.message,
        sys.stdout,
        sys.stderr,
        level=args.level,
        tags=dict(args.tag),
        dsn=args.dsn,
        release=args.release,
        environment=args.environment,
        timeout=args.timeout,
    )
