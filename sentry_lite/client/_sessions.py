# The client's side of release health: the tracker it owns, sessions started by hand.
#
# The client makes one :class:`~sentry_lite.sessions.SessionTracker` when it
# has a transport and a release (``_setup_sessions``), runs it on the
# transport's schedule, and asks it about each event it sends
# (``Client._capture_event``). ``start_session()``/``end_session()`` come
# here through the scope, as in sentry_sdk. What they do with a tracker is in
# ``_session_calls.py``, loaded only by a client that has a release.

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sentry_lite._log import logger
from sentry_lite.client._base import BaseClient

if TYPE_CHECKING:
    from sentry_lite.options import Options
    from sentry_lite.scope import Scope
    from sentry_lite.sessions import SessionTracker
    from sentry_lite.types import Event

__all__ = ["ClientSessions"]

_told_no_release = False


class ClientSessions(BaseClient):
    # Release health for :class:`~sentry_lite.client.Client` (the work itself, with a
    # release: ``_session_calls.py``).

    _closed: bool
    _sessions: SessionTracker | None = None

    def _setup_sessions(self, options: Options) -> SessionTracker | None:
        # Release health (sessions/): on the transport's schedule; the application
        # session starts now when ``auto_session_tracking`` is on.
        if not options.release:
            _say_no_release(options)
            return None
        from sentry_lite.client._session_calls import make_tracker

        return make_tracker(self, options)

    def continue_run_of(self, previous: BaseClient) -> None:
        """``init()`` replaced ``previous`` by this client: one run is one application
        session (docs/release-health.md, "A second init()").

        With the same DSN, release and environment this client continues the
        session ``previous`` runs; otherwise, when this client runs a session
        of its own, ``previous``'s is dropped unless the server heard of it
        already (then ``previous``'s close ends it ``exited``, as without a
        session here).
        """
        theirs: SessionTracker | None = getattr(previous, "_sessions", None)
        mine = self._sessions
        if theirs is not None and mine is not None:
            from sentry_lite.client._session_calls import continue_run

            continue_run(self, previous, mine, theirs)

    @property
    def session_tracker(self) -> SessionTracker | None:
        """This client's release health (None without a release); web middleware count
        requests through it (``integrations/_web/sessions.py``)."""
        return self._sessions

    def start_session(self, scope: Scope, session_mode: str = "application") -> None:
        """Start a session: the process's application session (ending the one that
        runs), or with ``session_mode="request"`` one on ``scope`` (an isolation scope)."""
        tracker = self._sessions
        if tracker is not None and not self._closed:
            from sentry_lite.client._session_calls import start_session

            start_session(tracker, scope, session_mode)

    def end_session(self, scope: Scope) -> None:
        """End the request session on ``scope`` if it has one, else the application session."""
        tracker = self._sessions
        if tracker is not None:
            from sentry_lite.client._session_calls import end_session

            end_session(tracker, scope)

    def _session_without_event(
        self, event: Event, isolation: Scope, fatal: bool, reason: str
    ) -> None:
        # A dropped event still counts for release health when it was sampled out
        # (``sample_rate`` is about volume), and a crash is a crash whatever was dropped.
        from sentry_lite.client._session_calls import session_without_event

        assert self._sessions is not None
        session_without_event(self, self._sessions, event, isolation, fatal=fatal, reason=reason)


def _say_no_release(options: Options) -> None:
    # No release, no sessions: said once per process, when debug output shows it
    # (``init()`` turns it on before this).
    global _told_no_release  # noqa: PLW0603 -- once per process
    if _told_no_release or not options.auto_session_tracking:
        return
    if logger.isEnabledFor(logging.DEBUG):
        _told_no_release = True
        logger.debug("no release set: no release-health sessions are sent")
