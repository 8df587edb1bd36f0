"""Whatever JSON a client sends as an event, serve stores it and every page about it answers."""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serve_helpers import page, post_envelope

from sentry_lite.envelope import Envelope, Item

_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_FIELDS = (
    "message",
    "logentry",
    "exception",
    "threads",
    "breadcrumbs",
    "tags",
    "user",
    "request",
    "contexts",
    "extra",
    "fingerprint",
    "level",
    "release",
    "environment",
    "timestamp",
    "logger",
    "transaction",
)
_FRAME = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(
        (
            "function",
            "module",
            "filename",
            "lineno",
            "vars",
            "pre_context",
            "context_line",
            "post_context",
            "in_app",
        ),
        _JSON,
    ),
)
_EXCEPTION = st.fixed_dictionaries(
    {},
    optional={
        "type": _JSON,
        "value": _JSON,
        "mechanism": _JSON,
        "stacktrace": st.fixed_dictionaries({"frames": st.lists(_FRAME | _JSON, max_size=3)}),
    },
)
_EVENTS = st.fixed_dictionaries(
    {},
    optional={
        **dict.fromkeys(_FIELDS, _JSON),
        "exception": st.fixed_dictionaries({"values": st.lists(_EXCEPTION | _JSON, max_size=3)})
        | _JSON,
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(event=_EVENTS)
def test_any_event_is_stored_and_shown(inspector, event):
    event_id = uuid.uuid4().hex
    event["event_id"] = event_id
    body = Envelope({"event_id": event_id}, [Item("event", event)]).serialize()
    status, answer = post_envelope(inspector, body)
    assert status == 200, answer
    assert json.loads(answer) == {"id": event_id}
    event_page = page(inspector, f"/events/{event_id}")
    assert event_page[0] == 200, event_page[1]
    assert page(inspector, "/")[0] == 200
    [issue_id] = [part.split('"')[0] for part in event_page[1].split('href="/issues/')[1:2]]
    assert page(inspector, f"/issues/{issue_id}")[0] == 200
