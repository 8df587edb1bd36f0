# The event scrubbed part by part: what each field of a Sentry event may hold.
#
# One function per part (request, user, breadcrumbs, contexts, tags, messages,
# exceptions, frames, any other field); :class:`~sentry_lite.scrubber.EventScrubber`
# calls them with its :class:`~sentry_lite.scrubber._data.DataScrubber` and
# rules. Each one scrubs the event in place and leaves alone what is not its
# part, or not shaped as the protocol says. The rules fail closed: a value a
# rule fails on is masked (a tag or ``ip_address`` removed), the error reported.

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._guard import report_internal_error
from sentry_lite._masking import FILTERED

if TYPE_CHECKING:
    from sentry_lite.scrubber._data import DataScrubber
    from sentry_lite.types import Event

__all__ = [
    "scrub_breadcrumbs",
    "scrub_contexts",
    "scrub_exceptions",
    "scrub_field",
    "scrub_frames",
    "scrub_messages",
    "scrub_other_fields",
    "scrub_request",
    "scrub_tags",
    "scrub_user",
]

# Event fields that never hold user data.
_NOT_SCRUBBED = frozenset(
    {
        "event_id",
        "timestamp",
        "start_timestamp",
        "platform",
        "level",
        "logger",
        "release",
        "dist",
        "environment",
        "server_name",
        "sdk",
        "modules",
        "debug_meta",
        "type",
    }
)
# Fields the functions below handle; scrub_other_fields walks any other one generically.
_HANDLED = frozenset(
    {
        "request",
        "extra",
        "user",
        "breadcrumbs",
        "contexts",
        "tags",
        "message",
        "logentry",
        "transaction",
        "culprit",
        "fingerprint",
        "exception",
        "threads",
        "stacktrace",
    }
)
# Contexts the client fills in itself.
_SDK_CONTEXTS = frozenset({"runtime", "os", "trace"})
# Breadcrumb and frame fields that are the SDK's own bookkeeping.
_CRUMB_FIELDS_KEPT = frozenset({"type", "category", "level", "timestamp"})
# In the order they are in the file.
_FRAME_SOURCE = ("pre_context", "context_line", "post_context")


def scrub_request(data: DataScrubber, event: Event, send_default_pii: bool) -> None:
    # ``request``: headers, cookies, query string, body, environment, URL.
    request = event.get("request")
    if not isinstance(request, dict):
        return
    cookies = request.get("cookies")
    if isinstance(cookies, dict):
        # Cookies carry sessions: without send_default_pii none is sent.
        (data.mapping if send_default_pii else data.mask_all)(cookies)
    elif cookies is not None:
        request["cookies"] = data.value(cookies) if send_default_pii else FILTERED
    for key, value in request.items():
        if key != "cookies":
            request[key] = data.value(value)


def scrub_user(data: DataScrubber, event: Event, send_default_pii: bool) -> None:
    # ``user``: what the app set is kept, but for secrets (and, without
    # send_default_pii, ``ip_address``, as in sentry_sdk).
    user = event.get("user")
    if not isinstance(user, dict):
        return
    if not send_default_pii or data.is_sensitive("ip_address"):
        # Removed, not masked: Relay wants an IP address there.
        user.pop("ip_address", None)
    data.mapping(user)


def scrub_breadcrumbs(data: DataScrubber, event: Event) -> None:
    # Each breadcrumb's ``message`` and ``data``.
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values") if isinstance(crumbs, dict) else crumbs
    if not isinstance(values, list):
        return
    for crumb in values:
        if not isinstance(crumb, dict):
            continue
        fields: dict[str, Any] = crumb  # type: ignore[assignment]
        for key, value in fields.items():
            if key not in _CRUMB_FIELDS_KEPT:
                # "data" is an object whatever its content: never masked whole.
                fields[key] = data.value(value)


def scrub_contexts(data: DataScrubber, event: Event, built: bool) -> None:
    # Each context's fields (a context named like a secret is masked field by field).
    #
    # ``built``: the runtime, os and trace contexts are the SDK's own (an
    # event built by the client takes no other), left as they are.
    contexts = event.get("contexts")
    if not isinstance(contexts, dict):
        return
    for name, context in contexts.items():
        if built and name in _SDK_CONTEXTS:
            continue
        if not isinstance(context, dict):
            contexts[name] = data.value(context)
        elif isinstance(name, str) and data.is_sensitive(name):
            kind = context.get("type")
            data.mask_all(context)
            if kind is not None:
                context["type"] = kind
        else:
            data.mapping(context)


def scrub_tags(data: DataScrubber, event: Event) -> None:
    # ``tags``; a tag whose name holds a secret is removed (Relay allows no
    # ``[`` in a tag name).
    tags = event.get("tags")
    if not isinstance(tags, dict):
        scrub_field(data, event, "tags")
        return
    for name in [name for name in tags if type(name) is str and data.text(name) != name]:
        del tags[name]
    data.mapping(tags)


def scrub_messages(data: DataScrubber, event: Event, built: bool) -> None:
    # ``message``, ``logentry``, ``transaction``, ``culprit``, ``fingerprint``.
    #
    # ``built``: the SDK built ``message`` with these rules already.
    fields: dict[str, Any] = event  # type: ignore[assignment]
    for key in ("logentry", "transaction", "culprit", "fingerprint") + (
        () if built else ("message",)
    ):
        if key in fields:
            fields[key] = data.value(fields[key])


def scrub_exceptions(data: DataScrubber, event: Event) -> None:
    # Each exception's ``value`` and ``mechanism.data``.
    for value in _values_of(event, "exception"):
        if "value" in value:
            value["value"] = data.value(value["value"])
        mechanism = value.get("mechanism")
        if isinstance(mechanism, dict) and "data" in mechanism:
            mechanism["data"] = data.value(mechanism["data"])


def scrub_frames(
    data: DataScrubber, event: Event, local_filter: Optional[Callable[[str], bool]]
) -> None:
    # Every stack frame's ``vars`` and source lines (exceptions and threads).
    #
    # ``local_filter``: strict mode, False for a local that is not sent.
    for kind in ("exception", "threads"):
        for value in _values_of(event, kind):
            stacktrace = value.get("stacktrace")
            frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
            if isinstance(frames, list):
                for frame in frames:
                    if isinstance(frame, dict):
                        _scrub_frame(data, frame, local_filter)
    stacktrace = event.get("stacktrace")
    if isinstance(stacktrace, dict) and isinstance(stacktrace.get("frames"), list):
        for frame in stacktrace["frames"]:
            if isinstance(frame, dict):
                _scrub_frame(data, frame, local_filter)


def scrub_field(data: DataScrubber, event: Event, key: str) -> None:
    # One field, whatever it holds (``extra``, for one).
    fields: dict[str, Any] = event  # type: ignore[assignment]
    if key in fields:
        fields[key] = data.value(fields[key])


def scrub_other_fields(data: DataScrubber, event: Event) -> None:
    # Every field no function above handles, but the SDK's own bookkeeping.
    fields: dict[str, Any] = event  # type: ignore[assignment]
    for key, value in fields.items():
        if key not in _HANDLED and key not in _NOT_SCRUBBED:
            fields[key] = data.value(value)


def _scrub_frame(
    data: DataScrubber, frame: dict[str, Any], local_filter: Optional[Callable[[str], bool]]
) -> None:
    local_vars = frame.get("vars")
    if isinstance(local_vars, dict):
        if local_filter is not None:
            for name in local_vars:
                if not _allows_local(local_filter, name):
                    local_vars[name] = FILTERED
        data.mapping(local_vars)
    _scrub_source_lines(data, frame)


def _scrub_source_lines(data: DataScrubber, frame: dict[str, Any]) -> None:
    # ``pre_context``, ``context_line``, ``post_context`` as one block (a key spans lines).
    places: list[tuple[str, Optional[int]]] = []
    block: list[str] = []
    for key in _FRAME_SOURCE:
        value = frame.get(key)
        if key == "context_line":
            if isinstance(value, str):
                places.append((key, None))
                block.append(value)
        elif isinstance(value, list):
            frame[key] = value = list(value)
            for index, line in enumerate(value):
                if type(line) is str:
                    places.append((key, index))
                    block.append(line)
    if not block:
        return
    for (key, position), line in zip(places, data.source(block)):
        if position is None:
            frame[key] = line
        else:
            frame[key][position] = line


def _allows_local(local_filter: Callable[[str], bool], name: object) -> bool:
    try:
        return isinstance(name, str) and bool(local_filter(name))
    except Exception as error:  # noqa: BLE001 -- fail closed: a broken rule hides the value
        report_internal_error("event_scrubber local filter", error)
        return False


def _values_of(event: Event, key: str) -> list[dict[str, Any]]:
    fields: dict[str, Any] = event  # type: ignore[assignment]
    container = fields.get(key)
    values = container.get("values") if isinstance(container, dict) else container
    if not isinstance(values, list):
        return []
    return [value for value in values if isinstance(value, dict)]
