# An event's attachments as envelope items, within the size limits of the options.
#
# Runs on the capturing thread when the event's envelope is built (after
# ``before_send``, which may have changed ``hint["attachments"]``): each
# attachment's content is read then (attachments.py says why). An attachment
# over ``max_attachment_size``, or one that would take the event's attachments
# over ``max_total_attachment_size``, is left out and counted as ``invalid``
# in the ``attachment`` category, in bytes; the event still goes. A file that
# cannot be read is left out with one WARNING per path.

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from sentry_lite._log import logger, warn_once
from sentry_lite.attachments import Attachment, envelope_item
from sentry_lite.envelope import Item

__all__ = ["attachment_items"]

#: ``record_lost(reason, category, quantity)``: the transport's ``record_lost_event``.
RecordLost = Callable[[str, str, int], None]


def attachment_items(
    attachments: Iterable[object],
    max_size: int,
    max_total: int,
    record_lost: RecordLost,
) -> list[Item]:
    # The ``attachment`` items for ``attachments`` that can be read and fit the limits.
    items: list[Item] = []
    total = 0
    for attachment in attachments:
        if not isinstance(attachment, Attachment):
            logger.debug("hint['attachments'] holds %r, not an Attachment: left out", attachment)
            continue
        try:
            data = attachment.read(limit=max_size)
        except (OSError, TypeError) as error:
            warn_once(
                f"attachment {attachment.path or attachment.filename}",
                "attachment %r left out: %s",
                attachment.filename,
                error,
            )
            continue
        size = len(data)
        if size > max_size or total + size > max_total:
            if size > max_size and attachment.path is not None and attachment.bytes is None:
                size = _file_size(attachment.path, size)  # only the first bytes were read
            logger.debug(
                "attachment %r left out: %d bytes, over max_attachment_size (%d) or "
                "max_total_attachment_size (%d)",
                attachment.filename,
                size,
                max_size,
                max_total,
            )
            record_lost("invalid", "attachment", max(size, 1))
            continue
        total += size
        items.append(envelope_item(attachment, data))
    return items


def _file_size(path: str, at_least: int) -> int:
    try:
        return max(os.path.getsize(path), at_least)
    except OSError:
        return at_least
