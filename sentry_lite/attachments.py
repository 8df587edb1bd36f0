"""Files sent with an event: :class:`Attachment` (sentry_sdk's class and signature).

An attachment is kept on a scope (``scope.add_attachment(...)``) or put in
``hint["attachments"]`` by ``before_send``; every error event captured while
it is on an active scope carries it as an ``attachment`` item of the event's
envelope (PROTOCOL.md §2). Its bytes are read when the event's envelope is
built, on the capturing thread (:meth:`Attachment.read`): a callable is
called then and a ``path`` is read then, so the file arrives as it was when
the error happened (a log the program rotates a moment later, an input file
it deletes). The size limits are applied by the client (client/_attachments.py).

The scrubber never rewrites attachment bytes: a file that may hold secrets
must be left out by the program (``before_send`` can remove it from
``hint["attachments"]``).
"""

from __future__ import annotations

import builtins
import mimetypes
import os
from collections.abc import Callable
from typing import Optional, Union

from sentry_lite.envelope import Item

__all__ = ["Attachment"]

#: What ``bytes=`` may be: the bytes, or a function returning them.
BytesSource = Union[bytes, bytearray, memoryview, Callable[[], bytes]]


class Attachment:
    """A file or bytes to send with the events captured while it is on a scope.

    Args:
        bytes: The content, or a function returning it (called when an
            event's envelope is built). Required unless ``path`` is given.
        filename: The name Sentry shows; default: the last part of ``path``.
        path: A file to read when an event's envelope is built.
        content_type: Default: guessed from ``filename`` (else none is sent,
            and Sentry treats it as ``application/octet-stream``).
        add_to_transactions: Accepted for sentry_sdk compatibility
            (sentry_lite sends no transactions).

    Raises:
        TypeError: neither ``bytes`` nor ``path``, or no filename.
    """

    __slots__ = ("add_to_transactions", "bytes", "content_type", "filename", "path")

    def __init__(
        self,
        bytes: Optional[BytesSource] = None,
        filename: Optional[str] = None,
        path: Optional[Union[str, os.PathLike[str]]] = None,
        content_type: Optional[str] = None,
        add_to_transactions: bool = False,
    ) -> None:
        if bytes is None and path is None:
            raise TypeError("path or raw bytes required for attachment")
        if path is not None:
            path = os.fspath(path)
            if filename is None:
                filename = os.path.basename(path)
        if not filename:
            raise TypeError("filename is required for attachment")
        if content_type is None:
            content_type = mimetypes.guess_type(filename)[0]
        self.bytes = bytes
        self.filename: str = filename
        self.path: Optional[str] = path
        self.content_type = content_type
        self.add_to_transactions = add_to_transactions

    def read(self, limit: Optional[int] = None) -> builtins.bytes:
        """The content: ``bytes`` (called if a function), else the file at ``path``.

        ``limit``: read at most this many bytes plus one from a file (enough
        to tell that it is over the limit without reading a huge file whole).

        Raises:
            OSError: the file cannot be read.
            TypeError: ``bytes`` (or what its function returned) is not bytes.
        """
        source = self.bytes
        if source is not None:
            data = source() if callable(source) else source
            if isinstance(data, (bytearray, memoryview)):
                return builtins.bytes(data)
            if not isinstance(data, builtins.bytes):
                raise TypeError(f"attachment {self.filename!r}: bytes expected, got {type(data)}")
            return data
        assert self.path is not None
        with open(self.path, "rb") as file:
            return file.read() if limit is None else file.read(limit + 1)

    def to_envelope_item(self) -> Item:
        """The ``attachment`` item for this attachment (reads the content now)."""
        return envelope_item(self, self.read())

    def __repr__(self) -> str:
        return f"<Attachment {self.filename!r}>"


def envelope_item(attachment: Attachment, data: bytes) -> Item:
    # The ``attachment`` item carrying ``data`` for ``attachment``.
    headers: dict[str, object] = {
        "filename": attachment.filename,
        "attachment_type": "event.attachment",
    }
    if attachment.content_type:
        headers["content_type"] = attachment.content_type
    return Item("attachment", raw=data, headers=headers)
