# The disk spool: envelopes kept on disk until the server can take them.
#
# Off by default; ``init(spool_dir="/var/spool/myapp-sentry")`` or the
# environment variable ``SENTRY_LITE_SPOOL_DIR`` turns it on. Each DSN gets its
# own subdirectory; each envelope one file::
#
#     <spool_dir>/<hash of the DSN>/<time_ns>-<pid>-<random>.envelope
#
# A file is one header line and the envelope as serialized, without
# ``sent_at`` (set at send time only): spool_format.py.
#
# - Writes are atomic: a hidden temporary file is written, fsynced and renamed
#   into place, so a process killed mid-write leaves no half file behind (only
#   a temporary file, removed later).
# - Bounds: at most ``max_files`` files, ``max_bytes`` bytes and ``max_age``
#   seconds; the oldest files go first, and ``on_evict`` hears of the items
#   lost (the transport counts them as ``cache_overflow``).
# - Several processes may share a directory: a reader claims a file by
#   renaming it (``.claimed-<pid>``) before sending it, so only one sends it.
#   Claims left by dead processes (or older than ten minutes) are taken back.
# - A file that cannot be read back (corrupt, truncated, unknown version) is
#   removed with a debug log, never an exception.
#
# Every method does file I/O: call them from the transport's worker (or the
# exiting thread at exit), never from the program's threads.

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._frozen import replace
from sentry_lite._log import logger
from sentry_lite.envelope import Envelope
from sentry_lite.transport.spool_format import (
    FORMAT_VERSION,
    file_header,
    read_file,
    read_file_header,
)

if TYPE_CHECKING:
    from sentry_lite.dsn import Dsn

__all__ = ["FORMAT_VERSION", "ClaimedEnvelope", "Spool", "read_file", "read_file_header"]


MAX_FILES = 100
MAX_BYTES = 50 * 1024 * 1024
MAX_AGE = 7 * 24 * 3600.0
# A claim this old is abandoned, whoever made it (its pid may have been reused).
CLAIM_TIMEOUT = 600.0
# A temporary file this old belongs to a writer that died.
TEMP_TIMEOUT = 60.0

_SUFFIX = ".envelope"
_CLAIMED = ".claimed-"
_TEMP_PREFIX = ".tmp-"

#: ``on_evict([(category, quantity), ...])`` for items the bounds pushed out.
EvictHook = Callable[[list[tuple[str, int]]], object]


class ClaimedEnvelope:
    # A spooled envelope this process has claimed: send it, then remove or release it.

    __slots__ = ("envelope", "name", "path")

    def __init__(self, path: str, name: str, envelope: Envelope) -> None:
        self.path = path
        self.name = name
        self.envelope = envelope

    def __repr__(self) -> str:
        return f"<ClaimedEnvelope {self.name}>"


class Spool:
    # One directory of spooled envelopes (one DSN's).
    #
    # Args:
    #     directory: Where the files live (made on the first write).
    #     max_files: Files kept at most.
    #     max_bytes: Bytes kept at most.
    #     max_age: Seconds a file is kept at most.
    #     on_evict: Hears of items removed to respect the bounds.
    #     wall_clock: Unix time (injectable for tests).
    #     dsn: The DSN the envelopes are for, without its secret key: written in
    #         each file's header, so tools can tell whose envelopes they are.

    def __init__(
        self,
        directory: str,
        *,
        max_files: int = MAX_FILES,
        max_bytes: int = MAX_BYTES,
        max_age: float = MAX_AGE,
        on_evict: Optional[EvictHook] = None,
        wall_clock: Callable[[], float] = time.time,
        dsn: Optional[str] = None,
    ) -> None:
        self.directory = directory
        self.dsn = dsn
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.max_age = max_age
        self.on_evict = on_evict
        self._wall_clock = wall_clock

    @classmethod
    def for_dsn(cls, root: str, dsn: Dsn, **kwargs: Any) -> Spool:
        # The spool of ``dsn`` under ``root`` (a subdirectory named by a hash of the DSN).
        digest = hashlib.sha256(str(dsn).encode("utf-8")).hexdigest()[:16]
        kwargs.setdefault("dsn", str(replace(dsn, secret_key=None)))
        return cls(os.path.join(os.path.expanduser(root), digest), **kwargs)

    # -- writing ---------------------------------------------------------------

    def write(self, envelope: Envelope) -> str:
        # Store ``envelope`` (its ``sent_at`` header left out); return the file's path.
        #
        # Then applies the bounds, which may evict older files (or this one).
        #
        # Raises:
        #     OSError: the directory or the file could not be written.
        headers = {k: v for k, v in envelope.headers.items() if k != "sent_at"}
        body = Envelope(headers, envelope.items).serialize()
        header_line = file_header(envelope.items, body, self.dsn)
        self._make_directory()
        stamp = time.time_ns() if hasattr(time, "time_ns") else int(self._wall_clock() * 1e9)
        name = f"{stamp:020d}-{os.getpid()}-{uuid.uuid4().hex[:8]}{_SUFFIX}"
        temporary = os.path.join(self.directory, f"{_TEMP_PREFIX}{os.getpid()}-{name}")
        path = os.path.join(self.directory, name)
        try:
            # Private to the user (0600): events hold what the program saw.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            with os.fdopen(os.open(temporary, flags, 0o600), "wb") as file:
                file.write(header_line)
                file.write(body)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        self._sync_directory()
        self.enforce_bounds()
        return path

    def _make_directory(self) -> None:
        # The spool's directory, and its parent if missing: private to the user (0700).
        if os.path.isdir(self.directory):
            return
        parent = os.path.dirname(self.directory)
        if parent:
            os.makedirs(parent, mode=0o700, exist_ok=True)
        os.makedirs(self.directory, mode=0o700, exist_ok=True)

    def _sync_directory(self) -> None:
        # Make the rename durable (POSIX; a no-op where directories cannot be opened).
        try:
            descriptor = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(descriptor)
        except OSError:
            pass
        finally:
            os.close(descriptor)

    # -- bounds ----------------------------------------------------------------

    def enforce_bounds(self) -> None:
        # Evict the oldest files past the count, size and age bounds.
        entries = self._entries()
        total = sum(size for _, size in entries)
        count = len(entries)
        oldest_allowed = self._wall_clock() - self.max_age
        for name, size in entries:
            too_old = _created(name) < oldest_allowed
            if not (too_old or count > self.max_files or total > self.max_bytes):
                break
            if self._evict(name):
                count -= 1
                total -= size

    def _evict(self, name: str) -> bool:
        path = os.path.join(self.directory, name)
        header = read_file_header(path)
        try:
            os.unlink(path)
        except FileNotFoundError:
            return True  # claimed or evicted by another process meanwhile
        except OSError:
            logger.debug("spool: cannot remove %s", path, exc_info=True)
            return False
        logger.debug("spool: evicted %s (bounds reached)", name)
        if self.on_evict is not None and header is not None:
            self.on_evict([(str(c), int(q)) for c, q in header.get("items", [])])
        return True

    def _entries(self) -> list[tuple[str, int]]:
        # Unclaimed envelope files, oldest first, with their sizes.
        try:
            scanned = list(os.scandir(self.directory))
        except FileNotFoundError:
            return []
        entries = []
        for entry in scanned:
            if entry.name.endswith(_SUFFIX) and not entry.name.startswith("."):
                with contextlib.suppress(OSError):
                    entries.append((entry.name, entry.stat().st_size))
        entries.sort()
        return entries

    # -- reading ---------------------------------------------------------------

    def files(self) -> list[tuple[str, int]]:
        # ``(path, size)`` of each unclaimed envelope file, oldest first (nothing claimed).
        return [(os.path.join(self.directory, name), size) for name, size in self._entries()]

    def claimed(self) -> list[tuple[str, str]]:
        # ``(file name, pid)`` of each file a process has claimed to send.
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        return [(n, n.rpartition(_CLAIMED)[2]) for n in sorted(names) if _CLAIMED in n]

    def purge(self) -> tuple[int, int]:
        # Remove every unclaimed envelope (after taking back abandoned claims).
        #
        # Files claimed by a live process are left to it. Returns the files
        # and the bytes removed; nothing is reported to ``on_evict``.
        self._recover_abandoned()
        removed, size_removed = 0, 0
        for path, size in self.files():
            try:
                os.unlink(path)
            except OSError:
                logger.debug("spool: cannot remove %s", path, exc_info=True)
                continue
            removed, size_removed = removed + 1, size_removed + size
        return removed, size_removed

    def count(self) -> int:
        # Unclaimed envelopes in the spool now.
        return len(self._entries())

    def claim_oldest(self) -> Optional[ClaimedEnvelope]:
        # Claim and read the oldest envelope no other process has claimed; None if none.
        #
        # Unreadable files met on the way are removed. Stale claims and
        # temporary files of dead writers are cleaned up first.
        self._recover_abandoned()
        self.enforce_bounds()
        for name, _ in self._entries():
            path = os.path.join(self.directory, name)
            claimed_path = f"{path}{_CLAIMED}{os.getpid()}"
            try:
                os.rename(path, claimed_path)
            except FileNotFoundError:
                continue  # another process claimed it first
            except OSError:
                logger.debug("spool: cannot claim %s", path, exc_info=True)
                continue
            with contextlib.suppress(OSError):
                os.utime(claimed_path)  # the claim's age starts now
            envelope = read_file(claimed_path)
            if envelope is None:
                logger.debug("spool: removed unreadable file %s", name)
                with contextlib.suppress(OSError):
                    os.unlink(claimed_path)
                continue
            return ClaimedEnvelope(claimed_path, name, envelope)
        return None

    def remove(self, claimed: ClaimedEnvelope) -> None:
        # Delete a claimed file (after the server answered).
        try:
            os.unlink(claimed.path)
        except FileNotFoundError:
            pass
        except OSError:
            logger.debug("spool: cannot remove %s", claimed.path, exc_info=True)

    def remove_path(self, path: str) -> None:
        # Delete an unclaimed file this process wrote, unless another process claimed it.
        with contextlib.suppress(OSError):
            os.unlink(path)

    def release(self, claimed: ClaimedEnvelope) -> None:
        # Give a claimed file back (the send failed before any answer).
        try:
            os.rename(claimed.path, os.path.join(self.directory, claimed.name))
        except OSError:
            logger.debug("spool: cannot release %s", claimed.path, exc_info=True)

    def _recover_abandoned(self) -> None:
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return
        now = self._wall_clock()
        for name in names:
            path = os.path.join(self.directory, name)
            if _CLAIMED in name:
                original, _, pid = name.rpartition(_CLAIMED)
                if _is_alive(pid) and _age(path, now) < CLAIM_TIMEOUT:
                    continue
                logger.debug("spool: taking back abandoned claim %s", name)
                with contextlib.suppress(OSError):
                    os.rename(path, os.path.join(self.directory, original))
            elif name.startswith(_TEMP_PREFIX):
                pid = name[len(_TEMP_PREFIX) :].partition("-")[0]
                if _is_alive(pid) and _age(path, now) < TEMP_TIMEOUT:
                    continue
                logger.debug("spool: removing unfinished write %s", name)
                with contextlib.suppress(OSError):
                    os.unlink(path)


def _created(name: str) -> float:
    # The creation time written in a file name (0 when unreadable: treated as oldest).
    try:
        return int(name.partition("-")[0]) / 1e9
    except ValueError:
        return 0.0


def _age(path: str, now: float) -> float:
    try:
        return now - os.stat(path).st_mtime
    except OSError:
        return 0.0


def _is_alive(pid_text: str) -> bool:
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid() or os.name == "nt":  # Windows: signal 0 is not a probe there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's) or cannot tell: leave it alone
    return True
