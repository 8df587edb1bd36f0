# The :class:`EventScrubber`: its options, its rules, and the event walked part by part.
#
# The parts themselves are scrubbed in ``_parts.py``; the ``event_scrubber``
# option becomes a scrubber in ``_option.py``.

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Optional

from sentry_lite._errors import OptionTypeError
from sentry_lite.scrubber import _parts
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

__all__ = ["EventScrubber"]


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
        self._data = DataScrubber(
            self.key_filter, self.string_filter, scrub_source=self.source_filter
        )

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

    def scrub_source(self, lines: list[str]) -> list[str]:
        """Lines of source code, in order (a frame's ``pre_context``,
        ``context_line``, ``post_context``), with every secret masked.

        Read as one block, so a private key spread over lines is found, and
        as code: ``password=password`` passes a name on and is kept, a quoted
        literal is masked. Returns as many lines as it was given. A subclass
        with its own :meth:`scrub_text` gets it applied to each line.
        """
        lines = [
            line if type(line) is str else str.__getitem__(line, slice(None)) for line in lines
        ]
        if type(self).scrub_text is not EventScrubber.scrub_text:
            return [self.scrub_text(line) for line in lines]
        return self._values.source(lines)

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
    def source_filter(self) -> Optional[Callable[[list[str]], list[str]]]:
        """The filter event building applies to a frame's source lines, as one
        block. None: :attr:`string_filter` on each line (a subclass with its
        own :meth:`scrub_text` and not its own :meth:`scrub_source`), or no
        pattern at all.
        """
        cls = type(self)
        if cls.scrub_source is not EventScrubber.scrub_source:
            return self.scrub_source
        if cls.scrub_text is not EventScrubber.scrub_text or not self._values.active:
            return None
        return self._values.source

    @property
    def filters_are_pure(self) -> bool:
        """True when :attr:`string_filter` and :attr:`source_filter` are the SDK's
        own (not a subclass's :meth:`scrub_text` or :meth:`scrub_source`): the same
        text always gives the same result, so a result may be reused."""
        cls = type(self)
        return (
            cls.scrub_text is EventScrubber.scrub_text
            and cls.scrub_source is EventScrubber.scrub_source
        )

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

    # -- one client's copy -------------------------------------------------------------
    def configured(self, *, max_value_length: int) -> EventScrubber:
        """A copy of this scrubber set up for one client; this one is left as it is.

        The client's options that the scrubber follows: ``max_value_length``,
        how long an object found in the event (not JSON data) is rendered
        at most. A scrubber shared by several clients serves each with its
        own options. The copy shares the rules (they never change).
        """
        copied = object.__new__(type(self))  # a shallow copy, without loading `copy`
        copied.__dict__.update(self.__dict__)
        copied._data = DataScrubber(
            copied.key_filter,
            copied.string_filter,
            max_value_length,
            scrub_source=copied.source_filter,
        )
        return copied

    # -- the event ------------------------------------------------------------------
    def scrub_event(self, event: Event, *, built: bool = False) -> None:
        """Mask, in place, every secret in ``event``.

        ``built``: the SDK built the exception, thread and message parts with
        this scrubber's rules already (the client says so for the events it
        builds); they are not scrubbed again.
        """
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
        _parts.scrub_other_fields(self._data, event)

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
        _parts.scrub_request(self._data, event, self.send_default_pii)

    def scrub_extra(self, event: Event) -> None:
        """``extra``."""
        _parts.scrub_field(self._data, event, "extra")

    def scrub_user(self, event: Event) -> None:
        """``user``: what the app set is kept, but for secrets (and, without
        send_default_pii, ``ip_address``, as in sentry_sdk)."""
        _parts.scrub_user(self._data, event, self.send_default_pii)

    def scrub_breadcrumbs(self, event: Event) -> None:
        """Each breadcrumb's ``message`` and ``data``."""
        _parts.scrub_breadcrumbs(self._data, event)

    def scrub_contexts(self, event: Event, built: bool = False) -> None:
        """Each context's fields (a context named like a secret is masked field by field).

        ``built``: the runtime, os and trace contexts are the SDK's own (an
        event built by the client takes no other), left as they are.
        """
        _parts.scrub_contexts(self._data, event, built)

    def scrub_tags(self, event: Event) -> None:
        """``tags``; a tag whose name holds a secret is removed (Relay allows no
        ``[`` in a tag name)."""
        _parts.scrub_tags(self._data, event)

    def scrub_messages(self, event: Event, built: bool = False) -> None:
        """``message``, ``logentry``, ``transaction``, ``culprit``, ``fingerprint``."""
        _parts.scrub_messages(self._data, event, built)

    def scrub_exceptions(self, event: Event) -> None:
        """Each exception's ``value`` and ``mechanism.data``."""
        _parts.scrub_exceptions(self._data, event)

    def scrub_frames(self, event: Event) -> None:
        """Every stack frame's ``vars`` and source lines (exceptions and threads)."""
        _parts.scrub_frames(self._data, event, self.local_filter)


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
