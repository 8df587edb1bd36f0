# One client's release health: the application session, request mode, abnormal ends.
#
# - **Application mode** (every program, from ``init()`` with
#   ``auto_session_tracking``): one session per process run. An error event
#   (level error or fatal, not ``capture_message``) counts an error; the first
#   one sends an ``errored`` update in its event's envelope. The exception
#   that ends the program (the excepthook) ends the session ``crashed`` in the
#   crash event's envelope; ``close()`` (atexit) ends it ``exited``. A
#   session :data:`ROTATE_AFTER` old (a daemon's) ends ``exited`` and a new
#   one starts: Sentry takes updates of a session for 5 days after it
#   started, so a longer one could never say how it ended.
# - **Request mode**: the first request a web middleware sees makes the
#   process a web server: the application session is dropped unsent (ended
#   ``exited`` if an update of it left already) and each request's outcome is
#   counted in minute buckets (sessions/_aggregates.py).
# - **Abnormal ends**: with a spool directory, the process that called
#   ``init()`` keeps its open session on disk (sessions/_files.py); the
#   transport's worker reports the sessions of dead processes as ``abnormal``.
# - **A second init()**: the new client's tracker takes over the running
#   session (:meth:`SessionTracker.take_over`) with the same release and
#   environment; otherwise the first one is dropped unsent, or ended
#   ``exited`` if an update of it left (:meth:`SessionTracker.replaced`).
# - **Fork**: a child starts a session of its own (kept in memory only: pool
#   workers are routinely ended by SIGTERM, which is no abnormal end of the
#   program); in request mode it counts its own requests.
#
# The tracker is attached to the transport (``Transport.attach_timed``): the
# worker calls :meth:`take_due` when idle and flush, close and exit call
# :meth:`take_all`. Every update leaves through the transport's
# ``capture_envelope``, so rate limits (``session`` category), client reports,
# the queue and the spool apply as to any item.

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._log import logger
from sentry_lite._version import SDK_NAME, VERSION
from sentry_lite.envelope import Envelope, Item
from sentry_lite.sessions._aggregates import RequestSessions
from sentry_lite.sessions._children import follow_into_children, watch_multiprocessing_exit
from sentry_lite.sessions._session import Session

if TYPE_CHECKING:
    from sentry_lite.options import Options
    from sentry_lite.sessions._files import SessionFiles

__all__ = ["ROTATE_AFTER", "RequestSession", "SessionTracker"]

#: Seconds after which a running application session is ended ``exited`` and replaced.
#: A day: well inside the 5 days Sentry accepts updates of a session for
#: (develop.sentry.dev, "Sessions"), so the last update of each, a crash
#: included, is taken even when it is delivered days late from the disk
#: spool; and a daemon's crash-free rate then counts per day.
ROTATE_AFTER = 24 * 3600.0


class RequestSession:
    # One request's outcome, decided by the errors captured while it runs.

    __slots__ = ("counted", "crashed", "errored", "started")

    def __init__(self) -> None:
        self.started = time.time()
        self.errored = False
        self.crashed = False
        self.counted = False  # set by whoever counts it, so it is counted once

    @property
    def outcome(self) -> str:
        return "crashed" if self.crashed else "errored" if self.errored else "exited"


class SessionTracker:
    # The sessions of one client (one with a ``release``: the server needs one).
    #
    # Args:
    #     options: ``release`` (set), ``environment``.
    #     send: Where envelopes go (the transport's ``capture_envelope``).
    #     directory: Where session files go (``None``: no abnormal detection).
    #
    # ``clock`` (``time.time``) is what the sessions it makes read the time
    # from, and what tells their age; tests set another.

    clock: Callable[[], float] = staticmethod(time.time)

    def __init__(
        self, options: Options, send: Callable[[Envelope], None], directory: Optional[str]
    ) -> None:
        self._release = options.release
        self._environment = options.environment
        self._send = send
        self._lock = threading.Lock()
        self._app: Optional[Session] = None
        self._request_mode = False
        self._closed = False
        self._files: Optional[SessionFiles] = None
        if directory:  # imported only with a spool directory (json, fcntl)
            from sentry_lite.sessions._files import SessionFiles

            self._files = SessionFiles(directory) if SessionFiles.supported() else None
        self._scan_due = self._files is not None
        self._dirty = False
        self._requests = RequestSessions(self._attrs())
        #: Set by the transport (``Transport.attach_timed``): run :meth:`take_due` within
        #: the seconds given.
        self.on_started: Optional[Callable[[float], None]] = None
        #: Delivers what is queued at a multiprocessing child's exit, bounded (set by the client).
        self.flush_at_exit: Optional[Callable[[], None]] = None
        self._watching_children = follow_into_children(self)

    def _attrs(self) -> dict[str, str]:
        attrs = {"release": str(self._release)}
        if self._environment:
            attrs["environment"] = self._environment
        return attrs

    def bind(self, wake: Callable[[float], None]) -> None:
        self._requests.on_started = wake
        self.on_started = wake

    # -- application mode ---------------------------------------------------------------

    def start(self, did: Optional[str] = None) -> None:
        # Start the application session (ending one that runs, ``exited``).
        with self._lock:
            previous, self._app = self._app, self._new_session(did)
            if self._files is not None:
                self._files.hold(self._app)
        self._end(previous, "exited")
        if self.on_started is not None:
            self.on_started(0.0 if self._scan_due else ROTATE_AFTER)

    def _rotate_if_old(self) -> Optional[float]:
        # End the application session ``exited`` and start the next one if it is
        # :data:`ROTATE_AFTER` old; the seconds until the one running will be (None: none runs).
        with self._lock:
            session = self._app
            if session is None or self._request_mode:
                return None
            left = session.started + ROTATE_AFTER - self.clock()
            if left > 0:
                return left
            self._app = self._new_session(session.did)
            if self._files is not None:
                self._files.hold(self._app)
        logger.debug("session %s started a day ago: ended, the next one started", session.sid)
        self._end(session, "exited")
        return ROTATE_AFTER

    def take_over(self, previous: SessionTracker) -> bool:
        # A second ``init()``: continue ``previous``'s application session (same sid,
        # start and error count) in place of the one this tracker started and never sent.
        #
        # Only for the same release and environment, while this tracker runs an
        # application session; False (nothing changed) otherwise. The session
        # file moves with the session, its lock never let go.
        with self._lock:  # the only place that holds two trackers' locks: no other order
            mine = self._app
            if mine is None or mine.init_sent or self._request_mode or self._closed:
                return False
            with previous._lock:  # its worker writes its session file under it
                theirs = previous._app
                if (
                    theirs is None
                    or theirs.ended
                    or previous._request_mode
                    or (theirs.release, theirs.environment) != (mine.release, mine.environment)
                ):
                    return False
                previous._app, self._app = None, theirs
                if self._files is not None:
                    self._files.take_over(previous._files, theirs)
                elif previous._files is not None:
                    previous._files.release()
        mine.end("exited")  # dropped unsent: nobody ever heard of it
        logger.debug("init() again: session %s continues", theirs.sid)
        return True

    def replaced(self) -> None:
        # A second ``init()`` made a client that counts this run in a session of its
        # own: the application session here is dropped unless an update of it left already.
        with self._lock:
            session, self._app = self._app, None
        self._drop_or_end(session)

    def _drop_or_end(self, session: Optional[Session]) -> None:
        if session is None:
            return
        if session.init_sent:
            self._end(session, "exited")  # the server knows it: it must not stay open
        else:
            session.end("exited")  # dropped unsent
            self._release_file(session)

    @property
    def runs_application_session(self) -> bool:
        # An application session is running (not request mode, not ended).
        session = self._app
        return session is not None and not session.ended and not self._request_mode

    def end(self, status: str = "exited") -> None:
        # End the application session (``end_session()``); :meth:`start` makes a new one.
        with self._lock:
            session, self._app = self._app, None
        self._end(session, status)

    def _new_session(self, did: Optional[str]) -> Session:
        return Session(str(self._release), self._environment, did, clock=self.clock)

    def _end(self, session: Optional[Session], status: str, count_error: bool = False) -> None:
        if session is None:
            return
        update = session.end(status, count_error=count_error)
        self._release_file(session)
        if update is not None:
            self._send(_envelope(update))

    def _release_file(self, session: Session) -> None:
        if self._files is not None:
            with self._lock:
                if self._app is None or self._app is session or self._app.ended:
                    self._files.release()

    def on_event(
        self, event: dict[str, Any], request: Optional[RequestSession], fatal: bool
    ) -> Optional[Item]:
        # Count an event kept by the pipeline; the ``session`` item its envelope carries.
        #
        # ``request``: the request session of the scope it was captured in.
        # ``fatal``: the exception ends the program (the excepthook).
        if fatal:
            self._rotate_if_old()  # the crash counts in a session the server still takes
            session = self._app
            if session is None or self._request_mode:
                return None
            update = session.end("crashed", count_error=True)
            self._release_file(session)
            return Item("session", update) if update is not None else None
        if event.get("level") not in ("error", "fatal"):
            return None
        if request is not None:
            if _unhandled(event):
                request.crashed = True
            else:
                request.errored = True
            return None
        self._rotate_if_old()  # the error counts in a session the server still takes
        session = self._app
        if session is None or self._request_mode:
            return None
        count = session.note_error()
        if not count:
            return None
        if self._files is not None:
            self._dirty = True
            if self.on_started is not None:
                self.on_started(0.0)
        if count != 1:
            return None  # the final update carries the count
        update = session.update()
        return Item("session", update) if update is not None else None

    def crash_without_event(self) -> None:
        # The program ends with an exception whose event was dropped: still ``crashed``.
        session = self._app
        if session is not None and not self._request_mode:
            self._end(session, "crashed", count_error=True)

    # -- request mode ---------------------------------------------------------------

    def request_started(self) -> RequestSession:
        # A request began; the first one makes this process a web server.
        if not self._request_mode:
            self._enter_request_mode()
        return RequestSession()

    def _enter_request_mode(self) -> None:
        with self._lock:
            if self._request_mode:
                return
            self._request_mode = True
            session, self._app = self._app, None
        if session is not None:
            logger.debug("first request: sessions are counted per request from now on")
        self._drop_or_end(session)

    def request_ended(self, request: RequestSession, error: Optional[BaseException]) -> None:
        # A request ended; ``error``: the exception that left the application, if any.
        # Counted once, however often this is called for it.
        if request.counted:
            return
        request.counted = True
        if isinstance(error, Exception):
            request.crashed = True
        self._requests.add(request.outcome, request.started)

    # -- the transport's schedule -------------------------------------------------------

    def take_due(self) -> tuple[list[Envelope], Optional[float]]:
        # On the worker: abandoned sessions, the record of ours, request buckets due.
        envelopes: list[Envelope] = []
        files = self._files
        if files is not None:
            if self._scan_due:
                self._scan_due = False
                envelopes.extend(_abnormal(*found) for found in files.abandoned())
            self._write_if_changed()
        rotate_in = self._rotate_if_old()
        due, wait = self._requests.take_due()
        waits = [left for left in (wait, rotate_in) if left is not None]
        return envelopes + due, min(waits) if waits else None

    def take_all(self) -> list[Envelope]:
        # The request buckets, now (flush, close, exit); the session file brought up to
        # date (a flush is a wait the program asked for).
        self._write_if_changed()
        return self._requests.take_all()

    def _write_if_changed(self) -> None:
        if not self._dirty or self._files is None:
            return
        self._dirty = False
        with self._lock:
            session = self._app
            if session is not None and not session.ended:
                self._files.write(session)

    def close(self) -> None:
        # The client closes: the application session ends ``exited``; buckets are sent.
        if self._closed:
            return
        self._closed = True
        self.end("exited")
        envelopes = self._requests.take_all()
        if self._scan_due and self._files is not None:  # a run too short for the worker's scan
            self._scan_due = False
            envelopes.extend(_abnormal(*found) for found in self._files.abandoned())
        for envelope in envelopes:
            self._send(envelope)

    # -- fork -----------------------------------------------------------------------

    def _after_fork_in_child(self) -> None:
        self._lock = threading.Lock()
        self._requests.reset()
        if self._files is not None:
            self._files.forget_after_fork()
            self._files = None
        self._scan_due = self._dirty = False
        if self._app is not None and not self._closed:
            self._app = self._new_session(self._app.did)
            if not self._watching_children:
                self._watching_children = watch_multiprocessing_exit(self)

    def end_at_exit(self) -> None:
        # A multiprocessing child ends: its session ends ``exited`` and is delivered
        # within what is left of the exit's ``shutdown_timeout``.
        if self._app is None or self._closed:
            return
        self.end("exited")
        if self.flush_at_exit is not None:
            self.flush_at_exit()


def _unhandled(event: dict[str, Any]) -> bool:
    values = (event.get("exception") or {}).get("values") if isinstance(event, dict) else None
    for value in values or ():
        mechanism = value.get("mechanism") if isinstance(value, dict) else None
        if isinstance(mechanism, dict) and mechanism.get("handled") is False:
            return True
    return False


def _envelope(update: dict[str, Any]) -> Envelope:
    return Envelope({"sdk": {"name": SDK_NAME, "version": VERSION}}, [Item("session", update)])


def _abnormal(session: Session, last_seen: float) -> Envelope:
    update = session.end("abnormal", last_seen=last_seen)
    logger.debug("session %s of a process that is gone: reported abnormal", session.sid)
    return _envelope(update or {})
