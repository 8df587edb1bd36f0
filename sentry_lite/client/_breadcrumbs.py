# The client's breadcrumbs: defaults, timestamps and ``before_breadcrumb``, on the caller's thread.
#
# Runs for every breadcrumb the program or an integration records, so the
# common case (no hook, no timestamp or a float one) is a few dict operations.

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sentry_lite import _reentry
from sentry_lite._log import logger, warn_hook_failed
from sentry_lite.client._base import BaseClient

if TYPE_CHECKING:
    from sentry_lite.scope import Scope
    from sentry_lite.types import Breadcrumb, BreadcrumbHint

__all__ = ["Breadcrumbs"]

_now = time.time


class Breadcrumbs(BaseClient):
    # What :class:`~sentry_lite.client.Client` does with a breadcrumb before a scope keeps it.

    _closed: bool

    def record_breadcrumb(
        self,
        scope: Scope,
        crumb: Breadcrumb | None,
        hint: BreadcrumbHint | None,
        fields: dict[str, Any],
    ) -> None:
        # Runs on the caller's thread for every breadcrumb: the common case
        # (no hook, no timestamp or a float one) is a few dict operations.
        # ``fields`` is the caller's fresh ``**kwargs`` dict: kept, not copied.
        if self.transport is None or self._closed:  # is_active(), without its call
            return
        new: Breadcrumb = {**crumb, **fields} if crumb else fields  # type: ignore[assignment,typeddict-item]
        if not new:
            return
        if "type" not in new:
            new["type"] = "default"
        stamp = new.get("timestamp")
        if stamp is None:
            new["timestamp"] = _now()
        elif type(stamp) is not float or not stamp:
            from sentry_lite.scope._to_event import breadcrumb_timestamp

            new["timestamp"] = breadcrumb_timestamp(new) or time.time()
        options = self.options
        before_breadcrumb = options.before_breadcrumb
        if before_breadcrumb is not None:
            if not _reentry.enter_breadcrumb_hook():
                # Recorded by the hook itself (it logs, or adds one): running
                # the hook again would recurse; skipping it could leak what it removes.
                logger.debug("breadcrumb dropped: recorded while before_breadcrumb ran")
                return
            # The hook may change the breadcrumb and then raise: kept as it came.
            unchanged = dict(new)
            try:
                result: Breadcrumb | None = before_breadcrumb(new, hint or {})
            except Exception as error:  # noqa: BLE001 -- the user's bug: kept, as sentry_sdk does
                warn_hook_failed("before_breadcrumb", error, "breadcrumb kept unchanged")
                result = unchanged  # type: ignore[assignment]
            finally:
                _reentry.leave_breadcrumb_hook()
            if result is None:
                logger.debug("breadcrumb dropped by before_breadcrumb")
                return
            new = result
        scope.append_breadcrumb(new, options.max_breadcrumbs)
