# The ``event_scrubber`` option made into a scrubber: :func:`scrubber_from_option`.

from __future__ import annotations

from collections.abc import Mapping

from sentry_lite._errors import ConfigurationError, OptionTypeError
from sentry_lite.scrubber._event import EventScrubber

__all__ = ["scrubber_from_option"]


def scrubber_from_option(value: object, send_default_pii: bool) -> object:
    # The scrubber for the ``event_scrubber`` option (private to the SDK).
    #
    # None → the default :class:`EventScrubber`; a mapping → an
    # :class:`EventScrubber` made from it; a sentry_sdk ``EventScrubber`` → one
    # of ours with its lists; anything with a ``scrub_event`` method is used as
    # it is. Raises ``ConfigurationError`` / ``OptionTypeError``.
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
