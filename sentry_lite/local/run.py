# ``sentry-lite run``: report on any command a scheduler runs (a script, a binary, a make target).
#
#     sentry-lite run [--dsn DSN] [--monitor SLUG [--schedule "0 3 * * *" | --interval 10m]
#                     [--timezone TZ] [--checkin-margin M] [--max-runtime M]]
#                     [--release R] [--environment E] -- COMMAND ARGS...
#
# The command runs as it would without the wrapper (supervised.py: stdin and
# stdout untouched, stderr passed through, signals passed on) and the wrapper
# exits with its exit status. With ``--monitor`` it sends an ``in_progress``
# check-in before the command starts and ``ok`` or ``error`` with the duration
# after; a non-zero exit or a signal sends one error event (run_report.py).
#
# Reporting never changes what the command does: the DSN comes from ``--dsn``
# or ``SENTRY_DSN`` (none, or a malformed one: the command runs unreported),
# the SDK's messages are held back and at most one line of the wrapper's own
# reaches stderr, and the wait for delivery after the command ended is bounded
# by ``shutdown_timeout`` (2 s) plus a second to spool (with
# ``SENTRY_LITE_SPOOL_DIR`` set, what could not be sent is sent by a later run).

from __future__ import annotations

import argparse
import contextlib
import logging
import os
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from sentry_lite.client import BaseClient
    from sentry_lite.local.supervised import Outcome

__all__ = ["add_run_command", "check_run_arguments", "run_command", "split_command"]

_NAME = "sentry-lite run"


def add_run_command(commands: Any) -> None:
    # The ``run`` subcommand and its options, on the CLI's subparsers.
    run = commands.add_parser(
        "run",
        help="run a command (a script, a binary) and report its failures and check-ins",
        description=(
            "Run COMMAND with its stdin, stdout and stderr as they are, exit with its exit"
            " status, and report to Sentry: an error event when it fails (exit status, signal,"
            " the last lines of stderr) and, with --monitor, cron check-ins."
        ),
        usage="sentry-lite run [options] -- COMMAND [ARGS...]",
    )
    run.add_argument("--dsn", help="where to report (default: the SENTRY_DSN variable)")
    run.add_argument("--monitor", metavar="SLUG", help="send check-ins of this cron monitor")
    schedule = run.add_mutually_exclusive_group()
    schedule.add_argument(
        "--schedule",
        type=_crontab,
        metavar="CRONTAB",
        help='create/update the monitor: "0 3 * * *"',
    )
    schedule.add_argument(
        "--interval", type=_interval, metavar="EVERY", help="create/update the monitor: 10m, 2h, 1d"
    )
    run.add_argument(
        "--timezone",
        type=_timezone,
        metavar="TZ",
        help="the schedule's zone (default: this machine's)",
    )
    run.add_argument(
        "--checkin-margin",
        type=_minutes,
        metavar="M",
        help="minutes a run may start late before it counts as missed",
    )
    run.add_argument(
        "--max-runtime",
        type=_minutes,
        metavar="M",
        help="minutes a run may take before it counts as failed",
    )
    run.add_argument("--release", help="the release to report (default: SENTRY_RELEASE)")
    run.add_argument("--environment", help="the environment (default: SENTRY_ENVIRONMENT)")
    run.add_argument(
        "run_command",
        nargs=argparse.REMAINDER,
        metavar="COMMAND",
        help="the command and its arguments",
    )
    run.set_defaults(run_parser=run)


def split_command(argv: list[str]) -> tuple[list[str], Optional[list[str]]]:
    # ``argv`` of ``sentry-lite run OPTIONS -- COMMAND`` split at the first ``--``.
    #
    # The command is everything after it, untouched (its own ``--`` and options
    # included); None when there is no ``--`` (the parser then takes the command
    # from the first word that is not an option of ours).
    if argv[:1] == ["run"] and "--" in argv:
        split = argv.index("--")
        return argv[:split], argv[split + 1 :]
    return argv, None


def check_run_arguments(args: argparse.Namespace, command: Optional[list[str]]) -> None:
    # Put the command in ``args.run_command``; a usage error (SystemExit 2) if options clash.
    parser: argparse.ArgumentParser = args.run_parser
    if command is not None and args.run_command:
        parser.error(f"unknown words before --: {' '.join(args.run_command)}")
    if command is not None:
        args.run_command = command
    if not args.run_command:
        parser.error("no command given (sentry-lite run [options] -- COMMAND [ARGS...])")
    monitor_options = ("schedule", "interval", "timezone", "checkin_margin", "max_runtime")
    if args.monitor is None:
        given = [name for name in monitor_options if getattr(args, name) is not None]
        if given:
            parser.error(f"--{given[0].replace('_', '-')} needs --monitor")
    elif args.schedule is None and args.interval is None:
        given = [name for name in monitor_options[2:] if getattr(args, name) is not None]
        if given:
            parser.error(f"--{given[0].replace('_', '-')} needs --schedule or --interval")


def _crontab(text: str) -> dict[str, Any]:
    if len(text.split()) != 5:
        raise argparse.ArgumentTypeError(f"not a crontab schedule of five fields: {text!r}")
    return {"type": "crontab", "value": " ".join(text.split())}


def _interval(text: str) -> dict[str, Any]:
    from sentry_lite.local.run_report import interval_schedule

    try:
        return interval_schedule(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _timezone(text: str) -> str:
    from sentry_lite.local.run_report import is_timezone

    if not is_timezone(text):
        raise argparse.ArgumentTypeError(f"not a time zone of the tz database: {text!r}")
    return text


def _minutes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of minutes: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


class _OneLine(logging.Handler):
    # Holds the SDK's warnings back; the wrapper prints at most one line of its own.

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.first: Optional[str] = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.first is None:
            try:
                # The SDK's "further drops are counted, not logged" is about long-lived programs.
                self.first = record.getMessage().splitlines()[0].split("; further ")[0]
            except Exception:  # noqa: BLE001 -- a bad record: nothing to say
                self.first = "could not report"

    def say(self, text: str) -> None:
        if self.first is None:
            self.first = text

    def print_once(self) -> None:
        if self.first is not None:
            with contextlib.suppress(OSError):
                os.write(2, f"{_NAME}: {self.first}\n".encode("utf-8", "replace"))


def run_command(args: argparse.Namespace) -> int:
    # Run the command of ``args`` (checked by the parser); its exit status.
    from sentry_lite._log import logger
    from sentry_lite.local.supervised import ForwardedSignals, run_supervised

    notices = _OneLine()
    logger.addHandler(notices)  # the SDK's own stderr line stays silent while it is there
    try:
        with ForwardedSignals() as signals:
            client = _start_reporting(args, notices)
            monitor = args.monitor if client is not None else None
            config = _monitor_config(args) if monitor else None
            check_in_id = None
            if monitor:
                import sentry_lite

                check_in_id = sentry_lite.capture_checkin(
                    monitor, status="in_progress", monitor_config=config
                )
            outcome = run_supervised(args.run_command, signals)
            if outcome.not_started:
                notices.first = f"{args.run_command[0]}: {outcome.not_started}"
            if client is not None:
                _report(
                    client,
                    args.run_command,
                    outcome,
                    monitor=monitor,
                    check_in_id=check_in_id,
                    config=config,
                )
    finally:
        logger.removeHandler(notices)
    notices.print_once()
    return outcome.exit_status


def _start_reporting(args: argparse.Namespace, notices: _OneLine) -> BaseClient | None:
    # The SDK's client for this run, or None when there is nowhere to report.
    import sentry_lite
    from sentry_lite._errors import ConfigurationError

    dsn = args.dsn if args.dsn is not None else os.environ.get("SENTRY_DSN", "")
    if not dsn:
        notices.say("no DSN (--dsn or SENTRY_DSN): the command runs without reporting")
        return None
    options: dict[str, Any] = {"default_integrations": False, "auto_enabling_integrations": False}
    if args.release is not None:
        options["release"] = args.release
    if args.environment is not None:
        options["environment"] = args.environment
    try:
        sentry_lite.init(dsn, **options)
    except ConfigurationError as error:
        notices.say(f"{error}; the command runs without reporting")
        return None
    return sentry_lite.get_client()


def _monitor_config(args: argparse.Namespace) -> Optional[dict[str, Any]]:
    from sentry_lite.local.run_report import monitor_config

    return monitor_config(
        args.schedule or args.interval, args.timezone, args.checkin_margin, args.max_runtime
    )


def _report(
    client: BaseClient,
    command: list[str],
    outcome: Outcome,
    *,
    monitor: Optional[str],
    check_in_id: Optional[str],
    config: Optional[dict[str, Any]],
) -> None:
    # The end check-in and the failure event; then delivery, bounded.
    import sentry_lite
    from sentry_lite.local.run_report import failure_event

    failed = outcome.exit_status != 0
    if monitor:
        sentry_lite.capture_checkin(
            monitor,
            check_in_id,
            "error" if failed else "ok",
            duration=outcome.duration,
            monitor_config=config,
        )
    if failed:
        event, hint = failure_event(client, command, outcome, monitor)
        sentry_lite.capture_event(event, hint)  # type: ignore[arg-type]
    client.close()  # at most shutdown_timeout, then a second to spool
