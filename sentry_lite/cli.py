"""The ``sentry-lite`` command.

    sentry-lite --version
    sentry-lite demo          run a program that fails, print the events it sent

Without a subcommand it prints its help and exits with status 2.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
from typing import Optional

from sentry_lite._version import VERSION

__all__ = ["main"]

_MIN_COLUMNS = 60
_MAX_COLUMNS = 120


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0 and 3600 seconds: {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sentry-lite",
        description="A light, safe error-tracking SDK that speaks the Sentry protocol.",
    )
    parser.add_argument("--version", action="version", version=f"sentry-lite {VERSION}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="run a small program that fails and show the events it sends",
        description=(
            "Start a Sentry-compatible receiver on 127.0.0.1, run a small program that"
            " fails four ways with the SDK pointed at it, and print the events received."
            " Nothing leaves this machine."
        ),
    )
    demo.add_argument(
        "--timeout",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help="how long to wait for the events to arrive (default: 5)",
    )
    demo.add_argument(
        "--debug", action="store_true", help="init the SDK with debug=True (its log on stderr)"
    )
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version and usage errors
        return stop.code if isinstance(stop.code, int) else 2
    if args.command == "demo":
        from sentry_lite._demo import run_demo

        if isinstance(sys.stdout, io.TextIOWrapper):
            # Event text may hold any character; never fail on a narrow console encoding.
            sys.stdout.reconfigure(errors="backslashreplace")
        columns = shutil.get_terminal_size((100, 24)).columns
        width = max(_MIN_COLUMNS, min(columns, _MAX_COLUMNS))
        return run_demo(sys.stdout, timeout=args.timeout, width=width, debug=args.debug)
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
