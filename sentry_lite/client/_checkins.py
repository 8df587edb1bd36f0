# The client's check-in entry points; what they do loads with the first check-in.
#
# Most programs send no check-in, and every module costs memory in every
# process that loads it (docs/architecture.md): the payload, its checks and
# the envelope are in ``client/_checkin_items.py``.

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sentry_lite.client._base import BaseClient

if TYPE_CHECKING:
    from sentry_lite.scope import Scope

__all__ = ["CheckIns"]


class CheckIns(BaseClient):
    # What :class:`~sentry_lite.client.Client` does with one check-in.

    def capture_checkin(
        self,
        monitor_slug: str | None = None,
        check_in_id: str | None = None,
        status: str | None = None,
        duration: float | None = None,
        monitor_config: dict[str, Any] | None = None,
        *,
        scope: Scope | None = None,
    ) -> str | None:
        """Send one check-in of ``monitor_slug``; its id, or None if nothing was sent.

        ``check_in_id``: the id the ``in_progress`` check-in returned, to
        close that run (a new one when not given). ``duration`` (seconds) is
        sent with ``ok`` and ``error`` only, as the protocol reads it there.
        A check-in without a slug or with an unknown status is not sent: the
        server would refuse it (said once at WARNING).
        """
        from sentry_lite.client._checkin_items import send_checkin

        return send_checkin(
            self,  # type: ignore[arg-type] # a mixin of Client
            monitor_slug,
            check_in_id=check_in_id,
            status=status,
            duration=duration,
            monitor_config=monitor_config,
            scope=scope,
        )

    def _checkin_from_event(self, event: Mapping[str, object], scope: Scope | None) -> str | None:
        # A check-in given as sentry_sdk's crons give one: an event of type ``check_in``.
        config = event.get("monitor_config")
        return self.capture_checkin(
            monitor_slug=event.get("monitor_slug"),  # type: ignore[arg-type] # checked there
            check_in_id=event.get("check_in_id"),  # type: ignore[arg-type]
            status=event.get("status"),  # type: ignore[arg-type]
            duration=event.get("duration"),  # type: ignore[arg-type]
            monitor_config=config if isinstance(config, dict) else None,
            scope=scope,
        )
