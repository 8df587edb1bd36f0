"""Request mode for any web integration: one call when a request starts, one when it ends.

The first request a process serves makes it a web server: its application
session is dropped unsent, and from then on each request's outcome is
counted in minute buckets sent as ``sessions`` items about once a minute
(sessions/_tracker.py, docs/release-health.md). A request is ``crashed``
when an exception left the application, ``errored`` when an error event
was captured while it ran, else ``exited``.

An integration calls, inside the request's own isolation scope::

    session = request_started(scope)       # scope: the request's isolation scope
    try:
        response = handle(request)
    except BaseException as error:
        request_ended(session, error)
        raise
    request_ended(session)                 # once the response is finished

Both are cheap (a small object, a dict update under a lock) and never
raise; ``request_ended`` counts a request once however often it is called
(a WSGI response is finished by its iteration or by ``close()``).
Websocket connections are not sessions (as in sentry_sdk).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from sentry_lite._guard import report_internal_error
from sentry_lite.scope import get_current_scope

if TYPE_CHECKING:
    from sentry_lite.scope import Scope
    from sentry_lite.sessions import RequestSession

__all__ = ["request_ended", "request_started"]


def request_started(scope: Scope) -> Optional[RequestSession]:
    """Start counting the request whose isolation scope is ``scope``; None when the
    client tracks no sessions (no release, ``auto_session_tracking=False``, or
    ``stop_auto_session_tracking()`` on the scope the request's was forked from)."""
    # A plain try, not the guard's context manager: this runs for every request.
    try:
        client = scope.get_client()
        tracker = client.session_tracker
        if tracker is None:
            return None
        tracking = scope._auto_session_tracking
        if not (client.options.auto_session_tracking if tracking is None else tracking):
            return None
        session: RequestSession = tracker.request_started()
        scope._session = session
        return session
    except Exception as error:  # noqa: BLE001 -- never raise into the request
        report_internal_error("request session", error)
        return None


def request_ended(session: Optional[RequestSession], error: Optional[BaseException] = None) -> None:
    """Count the request's outcome; ``error``: the exception that left the application."""
    if session is None or session.counted:
        return
    try:
        tracker = get_current_scope().get_client().session_tracker
        if tracker is not None:
            tracker.request_ended(session, error)
    except Exception as failure:  # noqa: BLE001 -- never raise into the request
        report_internal_error("request session", failure)
