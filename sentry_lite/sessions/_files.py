# Session files: the open application session kept on disk, to report an abnormal end.
#
# A process killed by SIGKILL, the OOM killer or a power cut sends nothing.
# With a spool directory set, the process that called ``init()`` keeps its
# open session in ``<spool>/sessions/<sid>.json`` and holds an exclusive lock
# (``flock``) on ``<sid>.lock`` for as long as it lives. A later start that
# finds a session file whose lock it can take knows the owner is gone: the
# session is reported as ``abnormal`` and both files are removed. The lock of a
# live process (a sibling sharing the directory) cannot be taken, so its
# session is left alone; the kernel releases a lock when its process ends,
# however it ends, so a reused pid fools nobody.
#
# - The record is written whole to a hidden temporary file and renamed into
#   place: a reader sees the old record or the new one.
# - The session ends normally (exited, crashed, ended by hand): both files are
#   removed by the owner (the record first, so a reader never finds a record
#   without its lock file).
# - A second ``init()`` that continues the session passes the held lock to
#   the new client's files (:meth:`SessionFiles.take_over`): never let go, so
#   no other process can take the session for abandoned at the switch.
# - Files older than 5 days are removed unsent: the server takes no update of
#   a session started that long ago.
# - Platforms without ``fcntl`` (Windows) keep no files: no abnormal detection.
#
# Every method does file I/O: the owner's first write happens in ``init()``
# (a few hundred microseconds), later writes on the transport's worker.

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Any, Optional

from sentry_lite._log import logger
from sentry_lite.sessions._session import Session

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["MAX_AGE", "SessionFiles"]

#: The server takes updates of a session for 5 days after it started.
MAX_AGE = 5 * 24 * 3600.0
_RECORD = ".json"
_LOCK = ".lock"


class SessionFiles:
    # The session files under ``directory`` (one directory per DSN).

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._held: Optional[int] = None  # the lock file descriptor of our session
        self._sid: Optional[str] = None

    @staticmethod
    def supported() -> bool:
        return fcntl is not None

    # -- the owner's side ----------------------------------------------------------

    def hold(self, session: Session) -> bool:
        # Lock ``session``'s lock file and write its record; False if that failed.
        if fcntl is None:
            return False
        self.release()
        try:
            os.makedirs(self.directory, exist_ok=True)
            descriptor = os.open(self._path(session.sid, _LOCK), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            logger.debug("session file: cannot create the lock in %s: %s", self.directory, error)
            return False
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            return False
        # Not inherited by programs it runs (os.open's default); a forked child closes its
        # copy (forget_after_fork), so the lock lives exactly as long as this process.
        self._held, self._sid = descriptor, session.sid
        self.write(session)
        return True

    def take_over(self, other: Optional[SessionFiles], session: Session) -> None:
        # Hold ``session``'s files, which ``other`` held (a second ``init()``): in the same
        # directory its lock passes here without being let go, so no later start can
        # take the session for abandoned meanwhile; elsewhere they are made anew here.
        if other is not None and other.directory == self.directory and other._sid == session.sid:
            self.release()  # the files of the session this tracker started
            self._held, self._sid = other._held, other._sid
            other._held = other._sid = None
            self.write(session)
            return
        if other is not None:
            other.release()
        self.hold(session)

    def write(self, session: Session) -> None:
        # Write ``session``'s record (only while its lock is held).
        if self._held is None or self._sid != session.sid:
            return
        record = {**session.to_record(), "pid": os.getpid(), "written": time.time()}
        path = self._path(session.sid, _RECORD)
        temporary = os.path.join(self.directory, f".{session.sid}.{os.getpid()}.tmp")
        try:
            with open(temporary, "w", encoding="utf-8") as file:
                json.dump(record, file)
            os.replace(temporary, path)
        except OSError as error:
            logger.debug("session file: cannot write %s: %s", path, error)
            with contextlib.suppress(OSError):
                os.unlink(temporary)

    def release(self) -> None:
        # Remove our session's files and let go of the lock.
        descriptor, sid = self._held, self._sid
        if descriptor is None or sid is None:
            return
        self._held = self._sid = None
        for suffix in (_RECORD, _LOCK):
            with contextlib.suppress(OSError):
                os.unlink(self._path(sid, suffix))
        with contextlib.suppress(OSError):
            os.close(descriptor)

    def forget_after_fork(self) -> None:
        # In a forked child: the parent's lock is the parent's (the descriptor is closed,
        # the parent keeps its lock), and the child keeps no file.
        descriptor = self._held
        self._held = self._sid = None
        if descriptor is not None:
            with contextlib.suppress(OSError):
                os.close(descriptor)

    # -- a later start's side --------------------------------------------------------

    def abandoned(self, now: Optional[float] = None) -> list[tuple[Session, float]]:
        # The sessions whose process is gone, with when each was last written; their
        # files removed; stale ones dropped.
        if fcntl is None:
            return []
        try:
            names = os.listdir(self.directory)
        except OSError:
            return []
        now = time.time() if now is None else now
        found = []
        for name in names:
            if name.startswith(".") or not name.endswith(_RECORD):
                if name.startswith(".") and name.endswith(".tmp"):
                    self._remove_stale_temporary(name, now)
                continue
            sid = name[: -len(_RECORD)]
            if sid == self._sid:
                continue
            claimed = self._claim(sid, now)
            if claimed is not None:
                found.append(claimed)
        return found

    def _claim(self, sid: str, now: float) -> Optional[tuple[Session, float]]:
        assert fcntl is not None
        try:
            descriptor = os.open(self._path(sid, _LOCK), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return None
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return None  # its process lives
            record = self._read(sid)
            for suffix in (_RECORD, _LOCK):
                with contextlib.suppress(OSError):
                    os.unlink(self._path(sid, suffix))
        finally:
            os.close(descriptor)
        session = Session.from_record(record) if record is not None else None
        if session is None or session.ended:
            return None
        if now - session.started > MAX_AGE:
            logger.debug("session %s is older than 5 days: dropped unsent", sid)
            return None
        written = record.get("written") if record is not None else None
        last_seen = float(written) if isinstance(written, (int, float)) else session.started
        return session, last_seen

    def _read(self, sid: str) -> Optional[dict[str, Any]]:
        try:
            with open(self._path(sid, _RECORD), encoding="utf-8") as file:
                record = json.load(file)
        except (OSError, ValueError) as error:
            logger.debug("session file %s unreadable: %s", sid, error)
            return None
        return record if isinstance(record, dict) else None

    def _remove_stale_temporary(self, name: str, now: float) -> None:
        path = os.path.join(self.directory, name)
        with contextlib.suppress(OSError):
            if now - os.stat(path).st_mtime > 60:
                os.unlink(path)

    def _path(self, sid: str, suffix: str) -> str:
        return os.path.join(self.directory, sid + suffix)
