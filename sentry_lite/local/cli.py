"""The ``sentry-lite`` command.

    sentry-lite --version
    sentry-lite demo          run a program that fails, print the events it sent
    sentry-lite receive       listen on 127.0.0.1, print the events programs send
    sentry-lite run -- CMD    run a command, report its failure and cron check-ins
    sentry-lite check-dsn DSN will events sent with this DSN arrive? (check_dsn.py)
    sentry-lite send-event    send one message event from a shell script (send_event.py)
    sentry-lite spool ACTION  list, send or purge the disk spool (spool_command.py)
    sentry-lite serve         a local Sentry: store events, browse them at 127.0.0.1:8969

Without a subcommand it prints its help and exits with status 2.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
from collections.abc import Callable
from typing import Optional

from sentry_lite._version import VERSION
from sentry_lite.local.check_dsn import add_check_dsn_command
from sentry_lite.local.run import add_run_command, check_run_arguments, split_command
from sentry_lite.local.send_event import add_send_event_command
from sentry_lite.local.serve.command import add_serve_command
from sentry_lite.local.spool_command import add_spool_command

__all__ = ["main"]

#: Where ``sentry-lite receive`` listens unless told otherwise.
DEFAULT_RECEIVE_PORT = 9999

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


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535: {text!r}")
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
    receive = commands.add_parser(
        "receive",
        help="receive events locally and print them (no Sentry server needed)",
        description=(
            "Start a Sentry-compatible endpoint, print the DSN to give the SDK, then print"
            " each event it receives until Ctrl-C. It listens on 127.0.0.1 (this machine"
            " only) unless --host says otherwise."
        ),
    )
    receive.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_RECEIVE_PORT,
        help=f"the port to listen on; 0 picks a free one (default: {DEFAULT_RECEIVE_PORT})",
    )
    receive.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)"
    )
    receive.add_argument(
        "--json",
        action="store_true",
        help="print each event as one line of JSON (the rest goes to stderr)",
    )
    add_run_command(commands)
    add_check_dsn_command(commands)
    add_send_event_command(commands)
    add_spool_command(commands)
    add_serve_command(commands, _port)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    words, command = split_command(list(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(words)
        if args.command == "run":
            check_run_arguments(args, command)
    except SystemExit as stop:  # --help, --version and usage errors
        return stop.code if isinstance(stop.code, int) else 2
    runner: Optional[Callable[[argparse.Namespace], int]] = getattr(args, "runner", None)
    if runner is not None:  # a subcommand that brings its own
        return runner(args)
    if args.command == "run":
        from sentry_lite.local.run import run_command

        return run_command(args)
    if args.command == "serve":
        from sentry_lite.local.serve.command import serve_main

        return serve_main(args)
    if args.command == "demo":
        from sentry_lite.local.demo import run_demo

        _tolerant_stdout()
        return run_demo(sys.stdout, timeout=args.timeout, width=_width(), debug=args.debug)
    if args.command == "receive":
        from sentry_lite.local.receive import run_receive

        _tolerant_stdout()
        try:
            return run_receive(
                sys.stdout,
                sys.stderr,
                host=args.host,
                port=args.port,
                as_json=args.json,
                width=_width(),
            )
        except KeyboardInterrupt:  # a second Ctrl-C while stopping
            return 0
        except BrokenPipeError:  # the reader went away (`... | head`): nothing left to say
            _silence_stdout()
            return 0
    parser.print_help(sys.stderr)
    return 2


def _tolerant_stdout() -> None:
    if isinstance(sys.stdout, io.TextIOWrapper):
        # Event text may hold any character; never fail on a narrow console encoding.
        sys.stdout.reconfigure(errors="backslashreplace")


def _width() -> int:
    columns = shutil.get_terminal_size((100, 24)).columns
    return max(_MIN_COLUMNS, min(columns, _MAX_COLUMNS))


def _silence_stdout() -> None:
    # Point stdout at the null device: flushing a closed pipe at exit would complain.
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
