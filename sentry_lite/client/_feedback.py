# User feedback: the event a ``feedback`` item carries (Sentry's feedback protocol).
#
# ``capture_feedback(message, name, email, associated_event_id)`` sends one
# ``feedback`` item whose payload is an event with ``contexts.feedback``
# (PROTOCOL.md §7a; the older ``user_report`` item is deprecated). It goes
# through the client's feedback steps (:func:`feedback_steps`): defaults, the
# scopes' data (user, tags, trace, breadcrumbs) and the scrubber, but not
# ``sample_rate``, ``ignore_errors``, the integrations' processors or
# ``before_send``, which are about errors (as in Sentry's JavaScript SDK,
# where ``beforeSend`` sees error events only). The scrubber's value patterns
# apply to the message; the name and email the person typed are sent as given
# (they asked to be contacted).

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from sentry_lite.client._pipeline import ApplyScopes, FillDefaults, Scrub

if TYPE_CHECKING:
    from sentry_lite.client._pipeline import Step
    from sentry_lite.types import Event

__all__ = ["feedback_event", "feedback_steps"]


def feedback_event(
    message: str,
    name: Optional[str],
    email: Optional[str],
    associated_event_id: Optional[str],
) -> Event:
    # The event of one piece of feedback (the pipeline adds the rest).
    feedback: dict[str, Any] = {"message": str(message)}
    if name is not None:
        feedback["name"] = str(name)
    if email is not None:
        feedback["contact_email"] = str(email)
    if associated_event_id is not None:
        feedback["associated_event_id"] = str(associated_event_id).replace("-", "").lower()
    event: Event = {"type": "feedback", "level": "info", "contexts": {"feedback": feedback}}
    return event


def feedback_steps(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    # The steps of an error's pipeline that feedback goes through, in the same order.
    return tuple(step for step in steps if isinstance(step, (FillDefaults, ApplyScopes, Scrub)))
