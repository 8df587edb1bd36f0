"""The :class:`EventScrubber`: the rules, and the event walked field by field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._errors import ConfigurationError, OptionTypeError
from sentry_lite._masking import FILTERED
from sentry_lite.scrubber._data import DataScrubber
from sentry_lite.scrubber._keys import (
    DEFAULT_DENYLIST,
    DEFAULT_PII_DENYLIST,
    KeyMatcher,
    LocalsAllowlist,
)
from sentry_lite.scrubber._patterns import ValueScrubber, compile_user_pattern

if TYPE_CHECKING:
    from collections.abc import Callable

    from sentry_lite.types import Event

__all__ = ["EventScrubber", "scrubber_from_option"]

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
# Contexts the client fills in itself.
_SDK_CONTEXTS = frozenset({"runtime", "os", "trace"})
# Breadcrumb and frame fields that are the SDK's own bookkeeping.
_CRUMB_FIELDS_KEPT = frozenset({"type", "category", "level", "timestamp"})
_FRAME_TEXT = ("context_line",)
_FRAME_LINES = ("pre_context", "post_context")


class EventScrubber:
    """Masks secrets by key name and by value pattern.

    Accepts sentry_sdk's arguments (``denylist``, ``recursive``,
    ``send_default_pii``, ``pii_denylist``) and adds its own, keyword-only.

    Args:
        denylist: key names always masked; replaces :data:`DEFAULT_DENYLIST`
            (as in sentry_sdk). Matched by words, see docs/privacy.md.
        recursive: accepted for sentry_sdk compatibility; nested data is
            always scrubbed.
        send_default_pii: when False, ``pii_denylist`` is masked too and
            ``user.ip_address`` is removed.
        pii_denylist: replaces :data:`DEFAULT_PII_DENYLIST`.
        extra_denylist: key names masked in addition to ``denylist``.
        allowlist: key names never masked by name (``["auth_mode"]``).
        value_patterns: False switches the built-in value patterns off
            (key names and ``extra_patterns`` still apply).
        extra_patterns: your own regular expressions (strings or compiled
            ``re.Pattern``): the group named ``secret`` is masked, else group
            1, else the whole match. A broken one raises
            ``ConfigurationError`` here, at ``init()``.
        locals_allowlist: strict mode for frame locals: only variables whose
            names match one of these names or wildcards (``"order_*"``) are
            sent; the others show as ``"[Filtered]"``. None (the default)
            sends every local, scrubbed.

    Example::

        sentry_lite.init(dsn, event_scrubber=EventScrubber(
            extra_denylist=["ssn"], extra_patterns=[r"acct-(?P<secret>\\d{8})"]))
        # or the same as a dict: event_scrubber={"extra_denylist": ["ssn"], ...}

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        denylist: Optional[Iterable[str]] = None,
        recursive: bool = True,
        send_default_pii: bool = False,
        pii_denylist: Optional[Iterable[str]] = None,
        *,
        extra_denylist: Iterable[str] = (),
        allowlist: Iterable[str] = (),
        value_patterns: bool = True,
        extra_patterns: Iterable[object] = (),
        locals_allowlist: Optional[Iterable[str]] = None,
    ) -> None:
        names = list(DEFAULT_DENYLIST if denylist is None else _names("denylist", denylist))
        names.extend(_names("extra_denylist", extra_denylist))
        if not send_default_pii:
            names.extend(
                DEFAULT_PII_DENYLIST
                if pii_denylist is None
                else _names("pii_denylist", pii_denylist)
            )
        #: Every key name masked, lower-cased (as sentry_sdk's attribute).
        self.denylist = [name.lower() for name in names]
        self.recursive = recursive
        self.send_default_pii = send_default_pii
        self.value_patterns = bool(value_patterns)
        self._keys = KeyMatcher(names, _names("allowlist", allowlist))
        user_patterns = [compile_user_pattern(pattern) for pattern in _items(extra_patterns)]
        self._values = ValueScrubber(self._keys, self.value_patterns, user_patterns)
        self._locals = (
            None
            if locals_allowlist is None
            else LocalsAllowlist(_names("locals_allowlist", locals_allowlist))
        )
        self._data = DataScrubber(self.key_filter, self.string_filter)

    def __repr__(self) -> str:
        return (
            f"<EventScrubber {len(self.denylist)} keys, value_patterns={self.value_patterns}, "
            f"strict_locals={self._locals is not None}>"
        )

    # -- the rules ------------------------------------------------------------------
    def is_sensitive_key(self, key: str) -> bool:
        """True when the value of ``key`` must be masked."""
        return self._keys(key)

    def scrub_text(self, text: str) -> str:
        """``text`` with every secret found by the value patterns masked."""
        if type(text) is not str:
            text = str.__getitem__(text, slice(None))
        return self._values(text)

    def allows_local(self, name: str) -> bool:
        """False when strict mode hides the local variable ``name``."""
        return self._locals is None or self._locals(name)

    @property
    def string_filter(self) -> Optional[Callable[[str], str]]:
        """The filter event building applies to each string (None: no pattern).

        A subclass's own :meth:`scrub_text` is used when it has one.
        """
        if type(self).scrub_text is not EventScrubber.scrub_text:
            return self.scrub_text
        return self._values if self._values.active else None

    @property
    def key_filter(self) -> Callable[[str], bool]:
        """The key rule event building applies to each dict key and local name.

        A subclass's own :meth:`is_sensitive_key` is used when it has one.
        """
        if type(self).is_sensitive_key is not EventScrubber.is_sensitive_key:
            return self.is_sensitive_key
        return self._keys

    @property
    def local_filter(self) -> Optional[Callable[[str], bool]]:
        """The strict-mode test for local names (None: every local is sent).

        A subclass's own :meth:`allows_local` is used when it has one.
        """
        if type(self).allows_local is not EventScrubber.allows_local:
            return self.allows_local
        return self._locals

    # -- the event ------------------------------------------------------------------
    def scrub_event(self, event: Event) -> None:
        """Mask, in place, every secret in ``event``."""
        self._scrub_event(event)

    def _use_max_length(self, max_length: int) -> None:
        """Objects found in the event are rendered at most this long (the client's
        ``max_value_length``)."""
        self._data = DataScrubber(self.key_filter, self.string_filter, max_length)

    def _scrub_event(self, event: Event, built: bool = False) -> None:
        """``built``: the SDK built the exception, thread and message parts with
        this scrubber's filters already; they are not scrubbed again."""
        self.scrub_request(event)
        self.scrub_extra(event)
        self.scrub_user(event)
        self.scrub_breadcrumbs(event)
        self.scrub_contexts(event, built)
        self.scrub_tags(event)
        self.scrub_messages(event, built)
        if not built:
            self.scrub_exceptions(event)
            self.scrub_frames(event)
        data: dict[str, Any] = event  # type: ignore[assignment]
        for key, value in data.items():
            if key not in _HANDLED and key not in _NOT_SCRUBBED:
                data[key] = self._data.value(value)

    def scrub_dict(self, data: object) -> None:
        """Scrub a dict in place (nested data included); anything else is left alone."""
        if isinstance(data, dict):
            self._data.mapping(data)

    def scrub_list(self, data: object) -> None:
        """Scrub a list in place (nested data included); anything else is left alone."""
        if isinstance(data, list):
            self._data.sequence(data)

    def scrub_request(self, event: Event) -> None:
        """``request``: headers, cookies, query string, body, environment, URL."""
        request = event.get("request")
        if not isinstance(request, dict):
            return
        cookies = request.get("cookies")
        if isinstance(cookies, dict):
            # Cookies carry sessions: without send_default_pii none is sent.
            (self._data.mapping if self.send_default_pii else self._data.mask_all)(cookies)
        elif cookies is not None:
            request["cookies"] = self._data.value(cookies) if self.send_default_pii else FILTERED
        for key, value in request.items():
            if key != "cookies":
                request[key] = self._data.value(value)

    def scrub_extra(self, event: Event) -> None:
        """``extra``."""
        self._scrub_field(event, "extra")

    def scrub_user(self, event: Event) -> None:
        """``user``: what the app set is kept, but for secrets (and, without
        send_default_pii, ``ip_address``, as in sentry_sdk)."""
        user = event.get("user")
        if not isinstance(user, dict):
            return
        if not self.send_default_pii or self.key_filter("ip_address"):
            # Removed, not masked: Relay wants an IP address there.
            user.pop("ip_address", None)
        self._data.mapping(user)

    def scrub_breadcrumbs(self, event: Event) -> None:
        """Each breadcrumb's ``message`` and ``data``."""
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
                    fields[key] = self._data.value(value)

    def scrub_contexts(self, event: Event, built: bool = False) -> None:
        """Each context's fields (a context named like a secret is masked field by field).

        ``built``: the runtime, os and trace contexts are the SDK's own (an
        event built by the client takes no other), left as they are.
        """
        contexts = event.get("contexts")
        if not isinstance(contexts, dict):
            return
        for name, context in contexts.items():
            if built and name in _SDK_CONTEXTS:
                continue
            if not isinstance(context, dict):
                contexts[name] = self._data.value(context)
            elif isinstance(name, str) and self.key_filter(name):
                kind = context.get("type")
                self._data.mask_all(context)
                if kind is not None:
                    context["type"] = kind
            else:
                self._data.mapping(context)

    def scrub_tags(self, event: Event) -> None:
        """``tags``; a tag whose name holds a secret is removed (Relay allows no
        ``[`` in a tag name)."""
        tags = event.get("tags")
        if not isinstance(tags, dict):
            self._scrub_field(event, "tags")
            return
        for name in [name for name in tags if type(name) is str and self._data.text(name) != name]:
            del tags[name]
        self._data.mapping(tags)

    def scrub_messages(self, event: Event, built: bool = False) -> None:
        """``message``, ``logentry``, ``transaction``, ``culprit``, ``fingerprint``."""
        data: dict[str, Any] = event  # type: ignore[assignment]
        for key in ("logentry", "transaction", "culprit", "fingerprint") + (
            () if built else ("message",)
        ):
            if key in data:
                data[key] = self._data.value(data[key])

    def scrub_exceptions(self, event: Event) -> None:
        """Each exception's ``value`` and ``mechanism.data``."""
        for value in _values_of(event, "exception"):
            if "value" in value:
                value["value"] = self._data.value(value["value"])
            mechanism = value.get("mechanism")
            if isinstance(mechanism, dict) and "data" in mechanism:
                mechanism["data"] = self._data.value(mechanism["data"])

    def scrub_frames(self, event: Event) -> None:
        """Every stack frame's ``vars`` and source lines (exceptions and threads)."""
        for kind in ("exception", "threads"):
            for value in _values_of(event, kind):
                stacktrace = value.get("stacktrace")
                frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
                if isinstance(frames, list):
                    for frame in frames:
                        if isinstance(frame, dict):
                            self._scrub_frame(frame)
        stacktrace = event.get("stacktrace")
        if isinstance(stacktrace, dict) and isinstance(stacktrace.get("frames"), list):
            for frame in stacktrace["frames"]:
                if isinstance(frame, dict):
                    self._scrub_frame(frame)

    def _scrub_frame(self, frame: dict[str, Any]) -> None:
        local_vars = frame.get("vars")
        if isinstance(local_vars, dict):
            allowed = self.local_filter
            if allowed is not None:
                for name in local_vars:
                    if not (isinstance(name, str) and allowed(name)):
                        local_vars[name] = FILTERED
            self._data.mapping(local_vars)
        for key in _FRAME_TEXT:
            if isinstance(frame.get(key), str):
                frame[key] = self._data.text(frame[key])
        for key in _FRAME_LINES:
            lines = frame.get(key)
            if isinstance(lines, list):
                frame[key] = [
                    self._data.text(line) if type(line) is str else line for line in lines
                ]

    def _scrub_field(self, event: Event, key: str) -> None:
        data: dict[str, Any] = event  # type: ignore[assignment]
        if key in data:
            data[key] = self._data.value(data[key])


# Fields the methods above handle; scrub_event walks any other one generically.
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


def _values_of(event: Event, key: str) -> list[dict[str, Any]]:
    data: dict[str, Any] = event  # type: ignore[assignment]
    container = data.get(key)
    values = container.get("values") if isinstance(container, dict) else container
    if not isinstance(values, list):
        return []
    return [value for value in values if isinstance(value, dict)]


def _items(value: object) -> list[object]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise OptionTypeError(f"event_scrubber patterns must be a list, got {value!r}")
    return list(value)


def _names(what: str, value: object) -> list[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise OptionTypeError(f"event_scrubber {what} must be a list of strings, got {value!r}")
    names = list(value)
    for name in names:
        if not isinstance(name, str):
            raise OptionTypeError(f"event_scrubber {what} must hold strings, got {name!r}")
    return names


def scrubber_from_option(value: object, send_default_pii: bool) -> object:
    """The scrubber for the ``event_scrubber`` option (private to the SDK).

    None → the default :class:`EventScrubber`; a mapping → an
    :class:`EventScrubber` made from it; a sentry_sdk ``EventScrubber`` → one
    of ours with its lists; anything with a ``scrub_event`` method is used as
    it is. Raises ``ConfigurationError`` / ``OptionTypeError``.
    """
    if value is None:
        return EventScrubber(send_default_pii=send_default_pii)
    if isinstance(value, EventScrubber):
        return value
    if isinstance(value, Mapping):
        config = dict(value)
        config.setdefault("send_default_pii", send_default_pii)
        try:
            return EventScrubber(**config)
        except TypeError as error:
            if isinstance(error, ConfigurationError):
                raise
            raise OptionTypeError(f"option 'event_scrubber': {error}") from None
    if type(value).__module__.startswith("sentry_sdk") and isinstance(
        getattr(value, "denylist", None), list
    ):
        # sentry_sdk's own scrubber: same lists, our matching (its
        # AnnotatedValue markers would not survive JSON encoding).
        return EventScrubber(
            denylist=value.denylist,  # type: ignore[attr-defined]
            send_default_pii=True,  # its denylist already holds the PII names it wants
        )
    if callable(getattr(value, "scrub_event", None)):
        return value
    raise OptionTypeError(
        "option 'event_scrubber' must be an EventScrubber, a dict of its arguments "
        f"or an object with a scrub_event(event) method, got {type(value).__name__}"
    )
