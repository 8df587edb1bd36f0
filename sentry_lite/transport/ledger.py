# The ledger of pending envelopes: each one from capture until its fate, and who holds it.
#
# Two threads may want the same envelope: the worker, to send it, and a
# closing thread (``kill()``, the exit, a pool worker's ``settle()``), to
# write it to the spool. The ledger decides which one has it, under one lock:
#
# - ``QUEUED`` → ``SENDING`` when the worker starts on it (:meth:`Ledger.start_sending`);
# - ``QUEUED`` or ``SENDING`` → ``TAKEN`` when a closing thread takes it
#   (:meth:`Ledger.take`): from then on the closing thread spools or counts
#   it, and the worker only says whether the server answered meanwhile;
# - ``SENDING`` → ``DONE`` when the worker settles it itself
#   (:meth:`Ledger.keep_on_worker`, :meth:`Ledger.finish`).
#
# An envelope leaves the ledger when the worker is done with it or a closing
# thread took it; flushes wait for that (:meth:`Ledger.wait_settled`).
# A record without an envelope stands for "send a client report now".

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from typing import Optional

from sentry_lite.envelope import Envelope

__all__ = ["Ledger", "Pending", "State"]


class State(enum.Enum):
    # Where a pending envelope is (see the module docstring).

    QUEUED = "queued"
    SENDING = "sending"
    DONE = "done"
    TAKEN = "taken"


class Pending:
    # One envelope between capture and its fate (sent, spooled or dropped).
    #
    # Attributes:
    #     seq: Its number, in capture order.
    #     envelope: The envelope; None for "send a client report now" (flush).
    #     created: When it was captured, on the transport's clock (its age
    #         bounds its retries: ``max_retry_age``).
    #     state: Where it is; changed only under the ledger's lock.
    #     spool_path: Where a closing thread spooled it.
    #     answered: The server answered the worker after a closing thread took it.

    __slots__ = ("answered", "created", "envelope", "seq", "spool_path", "state")

    def __init__(self, seq: int, envelope: Optional[Envelope], created: float) -> None:
        self.seq = seq
        self.envelope = envelope
        self.created = created
        self.state = State.QUEUED
        self.spool_path: Optional[str] = None
        self.answered = False


class Ledger:
    # The envelopes of one transport not yet sent, spooled or dropped, in capture order.
    #
    # One per process: a forked child starts a new one (the parent's envelopes
    # stay the parent's).
    #
    # Args:
    #     clock: Monotonic seconds, to note when each envelope was captured.

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Condition(threading.Lock())
        self._pending: dict[int, Pending] = {}
        self._seq = 0

    def add(self, envelope: Optional[Envelope]) -> Pending:
        # Record a new envelope (None: a client report to send), queued.
        with self._lock:
            self._seq += 1
            record = Pending(self._seq, envelope, self._clock())
            self._pending[record.seq] = record
        return record

    def forget(self, record: Pending) -> bool:
        # Remove ``record`` no task will process; False if a closing thread took it first.
        with self._lock:
            ours = self._pending.pop(record.seq, None) is not None
            self._lock.notify_all()
        return ours

    def last(self) -> int:
        # The number of the latest record: what a flush started now waits for.
        with self._lock:
            return self._seq

    def is_empty(self) -> bool:
        with self._lock:
            return not self._pending

    def wait_settled(self, target: int, deadline: float) -> bool:
        # Wait until no envelope numbered ``target`` or lower is queued or being sent.
        with self._lock:
            while self._pending and next(iter(self._pending)) <= target:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(remaining)
            return True

    def unsettled(self, target: int) -> int:
        # How many envelopes numbered ``target`` or lower are still pending (reports aside).
        with self._lock:
            return sum(1 for seq, r in self._pending.items() if seq <= target and r.envelope)

    def take(self, limit: Optional[int] = None) -> list[Pending]:
        # Take envelopes not yet handled (at most ``limit``, oldest first) away from the worker.
        #
        # Client reports waiting to be sent are taken too and dropped (their
        # counts stay for the next report); only envelopes are returned.
        with self._lock:
            taken = []
            envelopes = 0
            for record in list(self._pending.values()):
                if record.state not in (State.QUEUED, State.SENDING):
                    continue
                if record.envelope is not None:
                    if limit is not None and envelopes >= limit:
                        break
                    envelopes += 1
                record.state = State.TAKEN
                del self._pending[record.seq]
                taken.append(record)
            self._lock.notify_all()
        return [record for record in taken if record.envelope is not None]

    # -- the worker's side -----------------------------------------------------------

    def start_sending(self, record: Pending) -> bool:
        # The worker starts on ``record``; False if a closing thread took it meanwhile.
        with self._lock:
            if record.state != State.QUEUED:
                return False
            record.state = State.SENDING
            return True

    def keep_on_worker(self, record: Pending) -> bool:
        # Settle ``record`` on the worker, unless a closing thread took it (then False).
        with self._lock:
            if record.state == State.TAKEN:
                return False
            record.state = State.DONE
            return True

    def finish(self, record: Pending, answered: bool) -> Optional[str]:
        # The worker is done with ``record``; ``answered``: the server answered it.
        #
        # Returns the spool file to remove: that of a record a closing thread
        # spooled although the server answered it after all (never send it
        # again); else None.
        with self._lock:
            path = None
            if record.state == State.TAKEN:
                record.answered = answered
                path = record.spool_path if answered else None
            else:
                record.state = State.DONE
            self._pending.pop(record.seq, None)
            self._lock.notify_all()
        return path

    # -- the closing thread's side -----------------------------------------------------

    def note_spooled(self, record: Pending, path: str) -> bool:
        # A closing thread wrote taken ``record`` to ``path``; True if the worker's send
        # was answered meanwhile (the file must then be removed).
        with self._lock:
            record.spool_path = path
            return record.answered
