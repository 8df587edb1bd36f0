# Release health: sessions (PROTOCOL.md §6; docs/release-health.md).
#
# - ``_session.py``: one session's state and the ``session`` update payload;
# - ``_aggregates.py``: request mode's minute buckets, sent as ``sessions`` items;
# - ``_files.py``: the open session kept in the spool directory, to report
#   an abnormal end on a later start;
# - ``_tracker.py``: one client's sessions: application mode, a second
#   ``init()``, the switch to request mode, fork, and the hooks the
#   transport's worker runs;
# - ``_children.py``: the after-fork and ``multiprocessing`` hooks that reach
#   every live tracker.
#
# The client owns a :class:`SessionTracker`; the web middleware reach it
# through ``sentry_lite.integrations._web.sessions``.

from __future__ import annotations

from sentry_lite.sessions._session import Session
from sentry_lite.sessions._tracker import ROTATE_AFTER, RequestSession, SessionTracker

__all__ = ["ROTATE_AFTER", "RequestSession", "Session", "SessionTracker"]
