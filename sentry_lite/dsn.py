"""Parse and validate a DSN, and derive the envelope endpoint and auth header.

A DSN reads ``{scheme}://{public_key}[:{secret_key}]@{host}[:{port}]{path}/{project_id}``::

    >>> dsn = Dsn.parse("https://abc123@o1.ingest.example.com/42")
    >>> dsn.envelope_url
    'https://o1.ingest.example.com/api/42/envelope/'
    >>> dsn.auth_header("sentry.python.lite/0.1.0")
    'Sentry sentry_version=7, sentry_client=sentry.python.lite/0.1.0, sentry_key=abc123'

The secret key is optional (and deprecated by Sentry). The project id is a
number (sentry.io, self-hosted Sentry, Relay, GlitchTip and Bugsink all route
``/api/<digits>/envelope/``; sentry_sdk rejects anything else too), kept as
text. What is accepted is at least as strict as sentry_sdk 2.x, and never
stricter on a DSN it accepts, except where that DSN is not a URL at all (a
space, a ``<placeholder>``, a port 0, a sign or ``_`` in the project id).
One trailing slash is tolerated (``.../42/``), which sentry_sdk rejects.
"""

from __future__ import annotations

import re
from typing import ClassVar, Optional

from sentry_lite._errors import InvalidDsn
from sentry_lite._frozen import Frozen

__all__ = ["Dsn"]

_EXPECTED = "expected <scheme>://<public_key>@<host>/<project_id>"
_EXAMPLE = "e.g. https://abc123@o1.ingest.sentry.io/42"

# A registered host name (RFC 3986 reg-name, non-ASCII letters allowed for
# internationalised names): anything but separators, brackets, whitespace and
# the characters no URL may hold (a placeholder's < >).
_HOST_NAME = re.compile(r"[^\s/\\?#@\[\]:<>]+")
# Keys and path parts: anything but whitespace, URL separators and < >.
_PLAIN_TEXT = re.compile(r"[^\s/\\?#@<>]+")
_PATH_PREFIX = re.compile(r"(/[^\s\\?#@/<>]+)*")
_PROJECT_ID = re.compile(r"[0-9]+")
# The scheme written without its "://" whole: "http:/k@h/1", "https:k@h/1", "http//k@h/1".
_BROKEN_SEPARATOR = re.compile(r"(https?)(:/?(?!/)|/+)", re.IGNORECASE)


class Dsn(Frozen):
    """A parsed DSN: where to send envelopes and how to authenticate.

    Build one with :meth:`Dsn.parse`; the constructor does not validate.

    Attributes:
        scheme: ``"http"`` or ``"https"``.
        public_key: The key sent as ``sentry_key``.
        secret_key: The legacy secret key, or None (not shown in ``repr``).
        host: The host name or IP address; an IPv6 address keeps its
            brackets (``"[::1]"``), as it appears in a URL.
        port: The port, or None when the DSN names none.
        path: The path before the project id: ``""`` or e.g. ``"/sentry"``
            (never a trailing slash).
        project_id: The project id, as text.
    """

    _hidden_from_repr: ClassVar[frozenset[str]] = frozenset({"secret_key"})

    scheme: str
    public_key: str
    secret_key: Optional[str]
    host: str
    port: Optional[int]
    path: str
    project_id: str

    @classmethod
    def parse(cls, text: str) -> Dsn:
        """Parse ``text`` (surrounding whitespace is ignored).

        Raises:
            InvalidDsn: the message names the part that is wrong: scheme,
                public key, host, port or project id. It never repeats the
                secret key.
        """
        if not isinstance(text, str):
            raise InvalidDsn(f"invalid DSN: expected a string, got {type(text).__name__}")
        text = text.strip()
        if not text:
            raise InvalidDsn(f"invalid DSN: it is empty ({_EXPECTED})")

        scheme, separator, rest = text.partition("://")
        if not separator:
            raise InvalidDsn(_without_separator(text))
        scheme = scheme.lower()
        if scheme not in ("http", "https"):
            raise InvalidDsn(f"invalid DSN: scheme {scheme!r} is not 'http' or 'https'")
        if rest.startswith("/"):
            raise InvalidDsn(f"invalid DSN: too many slashes after '{scheme}:' ({_EXPECTED})")

        # A query string or fragment has no meaning in a DSN; drop it.
        rest = re.split(r"[?#]", rest, maxsplit=1)[0]
        authority, slash, path = rest.partition("/")
        path = slash + path

        user_info, at, host_port = authority.rpartition("@")
        if not at:
            raise InvalidDsn(f"invalid DSN: the public key is missing ({_EXPECTED})")
        public_key, _, secret_key = user_info.partition(":")
        if not public_key:
            raise InvalidDsn(f"invalid DSN: the public key is missing ({_EXPECTED})")
        if not _PLAIN_TEXT.fullmatch(public_key):
            _reject_placeholder("the public key", public_key)
            raise InvalidDsn("invalid DSN: the public key contains invalid characters")
        if secret_key and not _PLAIN_TEXT.fullmatch(secret_key):
            _reject_placeholder("the secret key", secret_key, show=False)
            raise InvalidDsn("invalid DSN: the secret key contains invalid characters")

        host, port = _parse_host_port(host_port)
        prefix, project_id = _parse_path(path)
        return cls(
            scheme=scheme,
            public_key=public_key,
            secret_key=secret_key or None,
            host=host,
            port=port,
            path=prefix,
            project_id=project_id,
        )

    @property
    def netloc(self) -> str:
        """``host`` or ``host:port``, as in a URL."""
        if self.port is None:
            return self.host
        return f"{self.host}:{self.port}"

    @property
    def envelope_url(self) -> str:
        """The URL envelopes are POSTed to."""
        return f"{self.scheme}://{self.netloc}{self.path}/api/{self.project_id}/envelope/"

    def auth_header(self, client: str) -> str:
        """The ``X-Sentry-Auth`` header value; ``client`` is ``name/version``."""
        header = f"Sentry sentry_version=7, sentry_client={client}, sentry_key={self.public_key}"
        if self.secret_key:
            header += f", sentry_secret={self.secret_key}"
        return header

    def __str__(self) -> str:
        keys = self.public_key
        if self.secret_key:
            keys += f":{self.secret_key}"
        return f"{self.scheme}://{keys}@{self.netloc}{self.path}/{self.project_id}"


def _without_separator(text: str) -> str:
    # The message for a DSN without ``://``: which part of it is missing, if it is there at all.
    broken = _BROKEN_SEPARATOR.match(text)
    if broken is None:
        return f"invalid DSN: the scheme is missing ({_EXPECTED})"
    scheme, start = broken.group(1).lower(), broken.group(0)
    missing = f"the '//' after '{scheme}:'" if ":" in start else f"the ':' after '{scheme}'"
    return f"invalid DSN: {missing} is missing (it starts {start!r}, expected '{scheme}://')"


def _reject_placeholder(part: str, value: str, *, show: bool = True) -> None:
    # Raise if ``value`` is a documentation placeholder such as ``<project_id>``.
    if "<" in value or ">" in value:
        shown = f" {value!r}" if show else ""
        raise InvalidDsn(
            f"invalid DSN: {part}{shown} is a placeholder: use your project's DSN, "
            f"from its settings page ({_EXAMPLE})"
        )


def _parse_host_port(host_port: str) -> tuple[str, Optional[int]]:
    if host_port.startswith("["):
        import ipaddress

        address, bracket, after = host_port[1:].partition("]")
        if not bracket:
            raise InvalidDsn(f"invalid DSN: host {host_port!r} has no closing ']'")
        try:
            ipaddress.IPv6Address(address)
        except ValueError:
            raise InvalidDsn(f"invalid DSN: host [{address}] is not an IPv6 address") from None
        host = f"[{address}]"
        if after and not after.startswith(":"):
            raise InvalidDsn(f"invalid DSN: unexpected {after!r} after host {host}")
        port_text = after[1:] if after else None
    elif host_port.count(":") > 1:
        raise InvalidDsn(
            f"invalid DSN: host {host_port!r} is invalid (an IPv6 address needs brackets)"
        )
    else:
        host, colon, port_text_found = host_port.partition(":")
        port_text = port_text_found if colon else None
        if not host:
            raise InvalidDsn(f"invalid DSN: the host is missing ({_EXPECTED})")
        if not _HOST_NAME.fullmatch(host):
            _reject_placeholder("the host", host)
            raise InvalidDsn(f"invalid DSN: host {host_port!r} is invalid")
    return host, _parse_port(port_text)


def _parse_port(port_text: Optional[str]) -> Optional[int]:
    if port_text is None:
        return None
    if not port_text.isascii() or not port_text.isdigit():
        raise InvalidDsn(f"invalid DSN: port {port_text!r} is not a number")
    port = int(port_text)
    if not 0 < port < 65536:
        raise InvalidDsn(f"invalid DSN: port {port} is out of range (1-65535)")
    return port


def _parse_path(path: str) -> tuple[str, str]:
    # One trailing slash is tolerated: ".../42/" names project 42.
    if path.endswith("/"):
        path = path[:-1]
    prefix, _, project_id = path.rpartition("/")
    if not project_id:
        raise InvalidDsn(
            f"invalid DSN: the project id is missing; it must be the last path segment "
            f"({_EXPECTED})"
        )
    if not _PROJECT_ID.fullmatch(project_id):
        _reject_placeholder("the project id", project_id)
        raise InvalidDsn(
            f"invalid DSN: project id {project_id!r} is not a number; the last part of the "
            f"path is the project's numeric id ({_EXAMPLE})"
        )
    if not _PATH_PREFIX.fullmatch(prefix):
        _reject_placeholder("the path", prefix)
        raise InvalidDsn(f"invalid DSN: path {prefix!r} before the project id is invalid")
    # "042" is project 42, as sentry_sdk reads it (int()) and the servers route it.
    return prefix, str(int(project_id))
