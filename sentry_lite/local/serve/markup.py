# HTML built so that event content can only ever be text.
#
# Everything a program sent is untrusted: a message, a tag, a local variable or
# a header may hold ``<script>`` or ``onerror=``. Pages are built from
# :class:`Markup` (HTML written here) and plain ``str`` (anything else), and
# :func:`html` escapes every ``str`` it is given, attribute quotes included.
# There is no way to mark received text as safe: only the templates in this
# package make :class:`Markup`.
#
#     html("<td class=level-{}>{}</td>", level, message)

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Union
from urllib.parse import quote, urlencode

__all__ = ["Markup", "html", "join", "query", "text", "url_path"]


class Markup(str):
    # HTML this package wrote: inserted as is by :func:`html` and :func:`join`.
    #
    # ``markup + value`` stays Markup, with ``value`` escaped unless it is Markup.

    __slots__ = ()

    def __add__(self, other: Fragment) -> Markup:
        return Markup(str.__add__(self, text(other)))

    def __radd__(self, other: Fragment) -> Markup:
        return Markup(str.__add__(text(other), self))


Fragment = Union[Markup, str, int, float, None]


def text(value: Fragment) -> Markup:
    # ``value`` as HTML text: escaped unless it is already :class:`Markup`.
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(escape(str(value), quote=True))


def html(template: str, *values: Fragment) -> Markup:
    # ``template`` (trusted, written here) with each ``{}`` filled by an escaped value.
    return Markup(template.format(*(text(value) for value in values)))


def join(parts: Iterable[Fragment], separator: str = "") -> Markup:
    # The parts one after the other, each escaped unless :class:`Markup`.
    return Markup(separator.join(text(part) for part in parts))


def url_path(*segments: str) -> str:
    # A path from segments, each percent-encoded (``/`` included): ``/events/<id>``.
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


def query(path: str, **params: str) -> str:
    # ``path`` with the non-empty ``params`` as its query string.
    present = {name: value for name, value in params.items() if value}
    return f"{path}?{urlencode(present)}" if present else path
