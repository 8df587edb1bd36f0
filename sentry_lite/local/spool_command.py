# ``sentry-lite spool list|send|purge``: see and manage the envelopes the disk spool holds.
#
# The spool (transport/spool.py) keeps what could not be delivered, one
# directory per DSN under the spool directory (``--spool-dir``, else
# ``SENTRY_LITE_SPOOL_DIR``). A program's next start sends it; these commands
# act now:
#
# - ``list``: per DSN, how many envelopes, their ages and sizes, the item types
#   (a directory without envelopes is not shown; it stays on disk, as a
#   program using the spool may write into it at any moment).
# - ``send``: deliver them now through the SDK's own HTTP transport (rate
#   limits, size budget, redirects, proxies), oldest first, one at a time; an
#   envelope the server answered leaves the spool (sent, or refused: never
#   sent again, as the transport does), one without an answer or held back by
#   a rate limit stays, and the rest wait for the next try.
# - ``purge --yes``: remove them (without ``--yes`` it says what it would remove).
#
# A directory's DSN is read from its files' headers (the DSN without its
# secret key); ``--dsn`` picks one DSN's directory, and is needed to send
# files written before the header said whose they were.

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any, Optional

from sentry_lite._errors import InvalidDsn
from sentry_lite._frozen import replace
from sentry_lite.dsn import Dsn
from sentry_lite.transport.spool import Spool, read_file, read_file_header

__all__ = ["EXIT_CODES", "add_spool_command", "list_spool", "purge_spool", "send_spool"]

#: Each exit status of ``sentry-lite spool`` and what it means.
EXIT_CODES: dict[int, str] = {
    0: "done (send: every envelope was delivered)",
    1: "send: some envelopes were refused or kept; purge: nothing removed without --yes",
    2: "no spool directory, a DSN that cannot be read, or a wrong argument",
}


@dataclass
class _Directory:
    # One DSN's spool directory, as found on disk.

    spool: Spool
    dsn: Optional[Dsn]
    files: list[tuple[str, int]] = field(default_factory=list)


def list_spool(root: str, out: IO[str], *, dsn: Optional[str] = None) -> int:
    # Describe each DSN's spooled envelopes under ``root``; the exit status (0).
    directories = _directories(root, dsn)
    total = sum(len(d.files) for d in directories)
    size = sum(s for d in directories for _, s in d.files)
    out.write(f"{root}: {_plural(total, 'envelope')}, {_size(size)}\n")
    now = time.time()
    for directory in directories:
        out.write(f"\n{_name(directory)}\n")
        out.write(f"  directory  {directory.spool.directory}\n")
        if directory.files:
            created = [_created(path) for path, _ in directory.files]
            out.write(
                f"  envelopes  {len(directory.files)}, {_size(sum(s for _, s in directory.files))}"
                f"; oldest {_age(now - min(created))} ago, newest {_age(now - max(created))} ago\n"
            )
            out.write(f"  items      {_item_types(directory.files)}\n")
        else:
            out.write("  envelopes  none\n")
        for name, pid in directory.spool.claimed():
            out.write(f"  sending    {name} (claimed by process {pid})\n")
    return 0


def purge_spool(root: str, out: IO[str], *, dsn: Optional[str] = None, yes: bool = False) -> int:
    # Remove the spooled envelopes (with ``yes``); else say what would go. The exit status.
    directories = _directories(root, dsn)
    if not yes:
        count = sum(len(d.files) for d in directories)
        size = sum(s for d in directories for _, s in d.files)
        out.write(
            f"would remove {_plural(count, 'envelope')} ({_size(size)}) from {root};"
            " nothing removed: run again with --yes\n"
        )
        return 1
    if not directories:
        out.write(f"nothing to remove in {root}\n")
    for directory in directories:
        removed, size = directory.spool.purge()
        out.write(f"{_name(directory)}: removed {_plural(removed, 'envelope')} ({_size(size)})\n")
        for name, pid in directory.spool.claimed():
            out.write(f"  left {name}: process {pid} is sending it\n")
    return 0


def send_spool(root: str, out: IO[str], *, dsn: Optional[str] = None, timeout: float = 10.0) -> int:
    # Send each DSN's spooled envelopes now; 0 when every one was delivered, else 1.
    from sentry_lite.local.spool_sending import send_directory

    status = 0
    for directory in _directories(root, dsn):
        if not directory.files:
            continue
        if directory.dsn is None:
            out.write(
                f"{directory.spool.directory}: skipped, whose envelopes these are is not"
                " written in them: give the DSN with --dsn\n"
            )
            status = 1
            continue
        outcome = send_directory(directory.spool, directory.dsn, timeout)
        out.write(f"{_name(directory)}: {outcome.summary()}\n")
        if not outcome.all_sent:
            status = 1
    return status


# -- finding the directories -------------------------------------------------------------


def _directories(root: str, dsn: Optional[str]) -> list[_Directory]:
    # The spool directories under ``root`` that hold envelopes, claimed or not (only
    # ``dsn``'s when given, even empty), with their files.
    if dsn is not None:
        parsed = Dsn.parse(dsn)
        spool = Spool.for_dsn(root, parsed)
        return [_Directory(spool, parsed, spool.files())]
    try:
        names = sorted(os.listdir(root))
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        path = os.path.join(root, name)
        if not os.path.isdir(path) or name.startswith("."):
            continue
        spool = Spool(path)
        files = spool.files()
        if not files and not spool.claimed():
            # Emptied by send or purge, or only session files: nothing to show. Left in
            # place: a program using this spool may have made it and be about to write.
            continue
        found.append(_Directory(spool, _dsn_of(root, path, files), files))
    return found


def _dsn_of(root: str, directory: str, files: list[tuple[str, int]]) -> Optional[Dsn]:
    # The DSN a file's header names, if its spool directory is this one.
    for path, _ in files:
        header = read_file_header(path) or {}
        text = header.get("dsn")
        if not isinstance(text, str):
            continue
        try:
            dsn = Dsn.parse(text)
        except InvalidDsn:
            continue
        if Spool.for_dsn(root, dsn).directory == directory:
            return dsn
    return None


# -- words ---------------------------------------------------------------------------------


def _name(directory: _Directory) -> str:
    if directory.dsn is not None:
        return str(replace(directory.dsn, secret_key=None))
    return f"(DSN unknown: {os.path.basename(directory.spool.directory)})"


def _item_types(files: list[tuple[str, int]]) -> str:
    counts: Counter[str] = Counter()
    unreadable = 0
    for path, _ in files:
        envelope = read_file(path)
        if envelope is None:
            unreadable += 1
            continue
        counts.update(item.type for item in envelope.items)
    words = [f"{kind} {count}" for kind, count in sorted(counts.items())]
    if unreadable:
        words.append(f"unreadable {unreadable}")
    return ", ".join(words) or "none"


def _created(path: str) -> float:
    # When the envelope was spooled: its file name starts with the time in nanoseconds.
    try:
        return int(os.path.basename(path).partition("-")[0]) / 1e9
    except ValueError:
        return os.stat(path).st_mtime


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _age(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min"
    if seconds < 86400:
        return f"{seconds // 3600:.0f} h {seconds % 3600 // 60:.0f} min"
    return f"{seconds // 86400:.0f} d {seconds % 86400 // 3600:.0f} h"


# -- the command line ----------------------------------------------------------------------


def add_spool_command(commands: Any) -> None:
    # Add ``spool list|send|purge`` to the ``sentry-lite`` subcommands.
    codes = "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())
    command = commands.add_parser(
        "spool",
        help="list, send or remove the envelopes kept in the disk spool",
        description=(
            "The disk spool keeps envelopes the server did not answer (option spool_dir,"
            " or SENTRY_LITE_SPOOL_DIR). List them, send them now, or remove them."
        ),
        epilog=f"exit status:\n{codes}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = command.add_subparsers(dest="spool_action", metavar="ACTION", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--spool-dir",
        metavar="DIR",
        help="the spool directory (default: the SENTRY_LITE_SPOOL_DIR variable)",
    )
    common.add_argument("--dsn", help="only this DSN's envelopes")
    actions.add_parser("list", parents=[common], help="per DSN: envelopes, ages, sizes, item types")
    send = actions.add_parser(
        "send",
        parents=[common],
        help="send the envelopes now; exit 0 when every one was delivered",
    )
    send.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for the server, per envelope (default: 10)",
    )
    purge = actions.add_parser("purge", parents=[common], help="remove the envelopes")
    purge.add_argument("--yes", action="store_true", help="really remove them")
    command.set_defaults(runner=_run_from_arguments)


def _run_from_arguments(args: argparse.Namespace) -> int:
    root = args.spool_dir or os.environ.get("SENTRY_LITE_SPOOL_DIR")
    if not root:
        sys.stderr.write(
            "sentry-lite spool: no spool directory: give --spool-dir or set SENTRY_LITE_SPOOL_DIR\n"
        )
        return 2
    root = os.path.expanduser(root)
    try:
        if args.spool_action == "list":
            return list_spool(root, sys.stdout, dsn=args.dsn)
        if args.spool_action == "send":
            return send_spool(root, sys.stdout, dsn=args.dsn, timeout=args.timeout)
        return purge_spool(root, sys.stdout, dsn=args.dsn, yes=args.yes)
    except InvalidDsn as error:
        sys.stderr.write(f"sentry-lite spool: {error}\n")
        return 2
