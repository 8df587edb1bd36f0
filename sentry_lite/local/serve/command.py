# ``sentry-lite serve``: its options, and running the inspector until Ctrl-C.
#
# :func:`add_serve_command` adds ``serve`` and its options to ``local/cli.py``;
# :func:`run_serve` starts an :class:`~.server.Inspector`, prints the DSN, the
# address of the pages and the delete token, and serves until interrupted.

from __future__ import annotations

import argparse
import sys
import threading
from typing import TYPE_CHECKING, Any, TextIO

from sentry_lite.local.serve.retention import Retention
from sentry_lite.local.serve.settings import DEFAULT_PORT, ServeSettings

if TYPE_CHECKING:
    from sentry_lite.local.serve.server import Inspector

__all__ = ["add_serve_command", "run_serve", "serve_main", "settings_from"]


def _positive(kind: type[float]) -> object:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0: {text!r}")
        return value

    return parse


def add_serve_command(commands: argparse._SubParsersAction[Any], port_type: object) -> None:
    # Add ``serve`` and its options to the CLI (``port_type``: the CLI's port parser).
    parser = commands.add_parser(
        "serve",
        help="a local Sentry: store what programs send and browse it at http://127.0.0.1:8969",
        description=(
            "Store the events, logs, check-ins and sessions programs send in a SQLite file,"
            " group events into issues and show them in a browser. It listens on 127.0.0.1"
            " (this machine only) unless --host says otherwise, and prints the DSN to use."
        ),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=port_type,
        default=DEFAULT_PORT,
        help=f"the port; 0 picks a free one (default: {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--db",
        default="sentry-lite-serve.db",
        metavar="PATH",
        help="the SQLite file it keeps everything in (default: ./sentry-lite-serve.db)",
    )
    parser.add_argument(
        "--forward", metavar="DSN", help="also send every envelope, unchanged, to this DSN"
    )
    parser.add_argument(
        "--on-new-issue",
        metavar="CMD",
        help="run this shell command for each new issue, with the issue as JSON on stdin",
    )
    parser.add_argument(
        "--max-events",
        type=_positive(int),
        default=Retention.max_events,
        help=f"events kept, newest first (default: {Retention.max_events})",
    )
    parser.add_argument(
        "--max-age-days",
        type=_positive(float),
        default=Retention.max_age_days,
        help=f"anything older is removed (default: {Retention.max_age_days:g})",
    )


def serve_main(args: argparse.Namespace) -> int:
    # ``sentry-lite serve`` with the parsed options: its exit status.
    if args.forward:
        from sentry_lite._errors import InvalidDsn
        from sentry_lite.dsn import Dsn

        try:
            Dsn.parse(args.forward)  # an invalid DSN is an error now, not at the first envelope
        except InvalidDsn as error:
            sys.stderr.write(f"sentry-lite serve: --forward: {error}\n")
            return 2
    return run_serve(sys.stdout, sys.stderr, settings_from(args))


def settings_from(args: argparse.Namespace) -> ServeSettings:
    # The settings the parsed options say.
    return ServeSettings(
        host=args.host,
        port=args.port,
        db_path=args.db,
        forward=args.forward,
        on_new_issue=args.on_new_issue,
        retention=Retention(max_events=args.max_events, max_age_days=args.max_age_days),
    )


def run_serve(out: TextIO, err: TextIO, settings: ServeSettings) -> int:
    # Serve until Ctrl-C (then 0); 1 if it cannot open the database or listen.

    def report(line: str) -> None:
        err.write(f"sentry-lite serve: {line}\n")
        err.flush()

    from sentry_lite.local.serve.server import Inspector

    try:
        inspector = Inspector(settings, report).start()
    except (OSError, OverflowError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        err.write(f"sentry-lite serve: cannot start on {settings.host}:{settings.port}: {reason}\n")
        return 1
    except Exception as error:  # noqa: BLE001 -- sqlite3 errors: a file that is no database
        err.write(f"sentry-lite serve: cannot open {settings.db_path}: {error}\n")
        return 1
    try:
        out.write(_banner(inspector))
        out.flush()
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        inspector.stop()
    out.write("\nStopped.\n")
    return 0


def _banner(inspector: Inspector) -> str:
    from sentry_lite.local.serve.web import LOOPBACK_NAMES

    settings = inspector.settings
    lines = [
        f"sentry-lite serve: open {inspector.url}/ in a browser (Ctrl-C to stop).",
        f"Stored in {settings.db_path} (at most {settings.retention.max_events} events,"
        f" {settings.retention.max_age_days:g} days).",
    ]
    if settings.host not in LOOPBACK_NAMES:
        lines.append(
            f"WARNING: listening on {settings.host}, not 127.0.0.1: other machines can send"
            " events and read every page (event data may hold secrets)."
        )
    if settings.forward:
        lines.append(f"Forwarding every envelope to {settings.forward}.")
    if settings.on_new_issue:
        lines.append(f"Running for each new issue: {settings.on_new_issue}")
    lines += [
        "Point the SDK at it with this DSN:",
        "",
        f"    SENTRY_DSN={inspector.dsn}",
        "",
        f"Token to delete issues in the pages: {inspector.delete_token}",
    ]
    return "\n".join(lines) + "\n"
