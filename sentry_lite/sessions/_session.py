# One release-health session: its state, and the ``session`` item payload of each update.
#
# A session (PROTOCOL.md §6) is a run of the program (application mode) or a
# request (request mode). The server adds up the updates it gets, so the
# rules here keep that sum right:
#
# - the first update sent says ``init: true``, no later one does;
# - ``did``, ``started`` and ``attrs`` never change after the session is made;
# - once an update with a terminal status (``exited``, ``crashed``,
#   ``abnormal``) was made, the session takes no more changes.
#
# Errors are counted from any thread (a lock); building an update is a few
# dict writes, on the thread that asks for it.

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any, Optional

# No uuid or datetime here: init() imports this module, and those cost ~2 ms
# and ~1 ms to import (random is imported by init() for event ids anyway).

__all__ = ["TERMINAL", "Session", "iso_time"]

#: Statuses after which a session takes no update.
TERMINAL = frozenset({"exited", "crashed", "abnormal"})

# Session ids from the SDK's own generator (as event ids): not the module
# functions a program may seed, and no os.urandom on the caller's thread.
_random = random.Random()


def _reseed() -> None:
    _random.seed()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)


def iso_time(seconds: float) -> str:
    # ``seconds`` since the epoch as RFC 3339 UTC with microseconds.
    whole = int(seconds // 1)
    micro = round((seconds - whole) * 1_000_000)
    if micro == 1_000_000:
        whole, micro = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{micro:06d}Z"


# The version (4) and variant (RFC 4122) bits of a UUID4.
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def new_session_id() -> str:
    # A random UUID4 in its dashed form.
    digits = f"{_random.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


class Session:
    # The state of one session.
    #
    # Args:
    #     release: ``attrs.release`` (required by the server).
    #     environment: ``attrs.environment``.
    #     did: The distinct id (the user's id), if known when the session starts.
    #     sid, started, errors, init_sent, seq: Given when a session is read back from
    #         its file (sessions/_files.py); a new session makes its own.
    #     clock: The time now, in seconds since the epoch (``time.time``; tests
    #         pass another so that days pass at once).

    __slots__ = (
        "_clock",
        "_lock",
        "did",
        "environment",
        "errors",
        "init_sent",
        "release",
        "seq",
        "sid",
        "started",
        "status",
    )

    def __init__(
        self,
        release: str,
        environment: Optional[str],
        did: Optional[str] = None,
        *,
        sid: Optional[str] = None,
        started: Optional[float] = None,
        errors: int = 0,
        init_sent: bool = False,
        seq: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.sid = sid or new_session_id()
        self.did = did
        self.started = clock() if started is None else started
        self.release = release
        self.environment = environment
        self.status = "ok"
        self.errors = errors
        self.init_sent = init_sent
        self.seq = seq

    @property
    def ended(self) -> bool:
        return self.status in TERMINAL

    def note_error(self) -> int:
        # Count one error; the count now (0 when the session had ended already).
        with self._lock:
            if self.status in TERMINAL:
                return 0
            self.errors += 1
            return self.errors

    def end(
        self,
        status: str = "exited",
        *,
        count_error: bool = False,
        last_seen: Optional[float] = None,
    ) -> Optional[dict[str, Any]]:
        # End the session with ``status``; the terminal update, or None if it had ended.
        #
        # ``count_error``: the crash that ends it is one more error.
        # ``last_seen``: when the session was last known to run (an abnormal
        # end: its duration stops there, not at the report).
        with self._lock:
            if self.status in TERMINAL:
                return None
            if count_error:
                self.errors += 1
            self.status = status
            return self._update(last_seen)

    def update(self) -> Optional[dict[str, Any]]:
        # An update of the session as it is now; None once it has ended.
        with self._lock:
            if self.status in TERMINAL:
                return None
            return self._update()

    def _update(self, last_seen: Optional[float] = None) -> dict[str, Any]:
        now = self._clock()
        payload: dict[str, Any] = {
            "sid": self.sid,
            "init": not self.init_sent,
            "started": iso_time(self.started),
            "timestamp": iso_time(now),
            "status": self.status,
            "errors": self.errors,
            "seq": self.seq,
            "attrs": self.attrs(),
        }
        if self.did is not None:
            payload["did"] = self.did
        if self.status in TERMINAL:
            end = now if last_seen is None else min(last_seen, now)
            payload["duration"] = round(max(end - self.started, 0.0), 3)
        self.init_sent = True
        self.seq += 1
        return payload

    def attrs(self) -> dict[str, str]:
        attrs = {"release": self.release}
        if self.environment:
            attrs["environment"] = self.environment
        return attrs

    def to_record(self) -> dict[str, Any]:
        # What the session file keeps (sessions/_files.py).
        with self._lock:
            return {
                "sid": self.sid,
                "did": self.did,
                "started": self.started,
                "release": self.release,
                "environment": self.environment,
                "errors": self.errors,
                "init_sent": self.init_sent,
                "seq": self.seq,
                "status": self.status,
            }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Optional[Session]:
        # The session a file kept; None when the record is not one.
        try:
            session = cls(
                str(record["release"]),
                record.get("environment"),
                record.get("did"),
                sid=str(record["sid"]),
                started=float(record["started"]),
                errors=int(record.get("errors", 0)),
                init_sent=bool(record.get("init_sent", False)),
                seq=int(record.get("seq", 0)),
            )
        except (KeyError, TypeError, ValueError):
            return None
        status = record.get("status")
        session.status = status if isinstance(status, str) else "ok"
        return session

    def __repr__(self) -> str:
        return f"<Session {self.sid} {self.status} errors={self.errors}>"
