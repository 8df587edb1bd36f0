# Release health on the client's side once it has a release: its tracker, sessions
# started and ended by hand, a second ``init()``, dropped events that still count.
#
# Loaded by a client that has a release (``ClientSessions._setup_sessions``), so
# a program without one never runs this code; ``client/_sessions.py`` holds the
# client's entry points.

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sentry_lite._version import SDK_NAME, VERSION
from sentry_lite.envelope import Envelope

if TYPE_CHECKING:
    from sentry_lite.client._base import BaseClient
    from sentry_lite.client._sessions import ClientSessions
    from sentry_lite.options import Options
    from sentry_lite.scope import Scope
    from sentry_lite.sessions import SessionTracker
    from sentry_lite.types import Event

__all__ = [
    "continue_run",
    "end_session",
    "make_tracker",
    "session_without_event",
    "start_session",
]


def make_tracker(client: ClientSessions, options: Options) -> SessionTracker:
    # ``client``'s tracker, on its transport's schedule; the application session
    # starts now when ``auto_session_tracking`` is on.
    from sentry_lite.sessions import SessionTracker

    assert client.transport is not None
    directory = None
    if options.spool_dir and options.dsn is not None:
        from sentry_lite.transport.spool import Spool

        spool = Spool.for_dsn(options.spool_dir, options.dsn)
        directory = os.path.join(spool.directory, "sessions")
    tracker = SessionTracker(options, client.transport.capture_envelope, directory)
    client.transport.attach_timed(tracker)
    tracker.flush_at_exit = getattr(client.transport, "flush_before_exit", None)
    if options.auto_session_tracking:
        tracker.start()
    return tracker


def continue_run(
    client: ClientSessions, previous: BaseClient, mine: SessionTracker, theirs: SessionTracker
) -> None:
    # ``ClientSessions.continue_run_of`` when both clients have a tracker.
    if not mine.runs_application_session:
        return
    if previous.options.dsn == client.options.dsn and mine.take_over(theirs):
        return
    theirs.replaced()


def start_session(tracker: SessionTracker, scope: Scope, session_mode: str) -> None:
    # ``ClientSessions.start_session`` with a tracker, on an open client.
    if session_mode == "request":
        if scope._session is not None:
            end_session(tracker, scope)
        scope._session = tracker.request_started()
        return
    user = scope._user or {}
    did = user.get("id")
    tracker.start(str(did) if did is not None else None)


def end_session(tracker: SessionTracker, scope: Scope) -> None:
    # ``ClientSessions.end_session`` with a tracker.
    request = scope._session
    if request is not None:
        scope._session = None
        tracker.request_ended(request, None)
        return
    tracker.end()


def session_without_event(
    client: ClientSessions,
    tracker: SessionTracker,
    event: Event,
    isolation: Scope,
    *,
    fatal: bool,
    reason: str,
) -> None:
    # ``ClientSessions._session_without_event``.
    if fatal:
        tracker.crash_without_event()
    elif reason == "sample_rate":
        item = tracker.on_event(event, isolation._session, fatal=False)  # type: ignore[arg-type]
        if item is not None:
            client.transport.capture_envelope(  # type: ignore[union-attr]
                Envelope({"sdk": {"name": SDK_NAME, "version": VERSION}}, [item])
            )
