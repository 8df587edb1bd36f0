"""Breadcrumbs for outgoing ``http.client`` requests and ``subprocess.Popen`` commands.

- HTTP: ``HTTPConnection.putrequest`` notes the method and URL,
  ``getresponse`` records the breadcrumb (``type="http"``,
  ``category="httplib"``) with ``method``, ``url``, ``status_code`` and
  ``reason``; level ``warning`` for 4xx, ``error`` for 5xx or no response.
  urllib3, requests and ``urllib.request`` all go through ``http.client``.
  The URL loses its ``user:password@``; the query string and fragment go
  under ``http.query`` and ``http.fragment`` for the scrubber to see.
- subprocess: one breadcrumb per ``Popen`` (``type`` and ``category``
  ``"subprocess"``): the command line, the working directory and the pid,
  or the error when the command could not be started. The command line is
  masked as ``sys.argv`` is: URL credentials, the value after a sensitive
  flag (``--password [Filtered]``) and the scrubber's value patterns.
- The command of a ``CalledProcessError`` or ``TimeoutExpired`` is in its
  message (and in the locals of the frames that ran it): the values after
  sensitive flags are masked wherever they appear in that event.

The SDK's own requests are never recorded: those made on its worker thread,
and any request to the DSN's envelope endpoint. The modules are patched when
they are imported (at once if they already are), so ``init()`` does not pay
for importing them.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import SplitResult, urlsplit, urlunsplit

from sentry_lite._guard import guarded
from sentry_lite._on_import import when_imported
from sentry_lite.client import Client
from sentry_lite.event.safe import FILTERED, safe_repr
from sentry_lite.integrations import Integration
from sentry_lite.integrations._userinfo import mask_userinfo, strip_userinfo
from sentry_lite.scope import get_current_scope, get_isolation_scope
from sentry_lite.scrubber._data import DataScrubber
from sentry_lite.transport.worker import is_worker_thread

if TYPE_CHECKING:
    from sentry_lite.client import BaseClient
    from sentry_lite.types import Breadcrumb, Event, Hint

__all__ = ["StdlibIntegration"]

_REQUEST_ATTRIBUTE = "_sentry_lite_request"
_MAX_ARGS = 100
_MAX_ARG_LENGTH = 1024
_MAX_CHAIN = 20  # exceptions looked at in one chain
_MAX_DEPTH = 12  # levels of an event searched for a failed command's secrets
# Event fields the SDK fills itself: never hold a command's secret.
_NOT_MASKED = frozenset(
    {"event_id", "timestamp", "platform", "sdk", "modules", "debug_meta", "level", "type"}
)


class StdlibIntegration(Integration):
    """Breadcrumbs for ``http.client`` requests and ``subprocess`` commands (on by default)."""

    identifier = "stdlib"
    processes_events = True

    @staticmethod
    def setup_once() -> None:
        when_imported("http.client", _patch_http_client)
        when_imported("subprocess", _patch_subprocess)

    def process_event(self, event: Event, hint: Hint) -> Event | None:
        """Masks a failed command's secrets (its message and locals show the command)."""
        exc_info = hint.get("exc_info")
        if not isinstance(exc_info, tuple) or len(exc_info) != 3:
            return event
        errors = _subprocess_errors(exc_info[1])
        if not errors:
            return event
        rules = _CommandRules.of(get_current_scope().get_client())
        secrets: set[str] = set()
        for error in errors:
            secrets.update(_command_secrets(getattr(error, "cmd", None), rules))
        if secrets:
            words = "|".join(re.escape(secret) for secret in sorted(secrets, key=len, reverse=True))
            # Whole words only: between quotes, spaces, brackets or after "=".
            pattern = re.compile(rf"""(?<![^\s'"=,\[\]()])(?:{words})(?![^\s'",\[\]()])""")
            _mask_secrets(event, pattern)
        return event


def _active_client() -> Optional[BaseClient]:
    """The client to record for, or None (inactive, integration off, or the SDK's own thread)."""
    if is_worker_thread():
        return None
    client = get_current_scope().get_client()
    if not client.is_active() or client.get_integration(StdlibIntegration) is None:
        return None
    return client


# -- http.client -------------------------------------------------------------------


def _patch_http_client(module: ModuleType) -> None:
    connection_class = module.HTTPConnection
    real_putrequest = connection_class.putrequest
    real_getresponse = connection_class.getresponse

    def putrequest(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        request = None
        with guarded("http.client breadcrumb"):
            request = _describe_request(self, method, url)
        attributes = getattr(self, "__dict__", None)
        if isinstance(attributes, dict):
            attributes[_REQUEST_ATTRIBUTE] = request
        return real_putrequest(self, method, url, *args, **kwargs)

    def getresponse(self: Any, *args: Any, **kwargs: Any) -> Any:
        attributes = getattr(self, "__dict__", None)
        request = attributes.pop(_REQUEST_ATTRIBUTE, None) if isinstance(attributes, dict) else None
        if request is None:
            return real_getresponse(self, *args, **kwargs)
        try:
            response = real_getresponse(self, *args, **kwargs)
        except Exception as error:
            with guarded("http.client breadcrumb"):
                _record_http(request, None, None, error)
            raise
        with guarded("http.client breadcrumb"):
            _record_http(request, response.status, response.reason, None)
        return response

    putrequest.__doc__ = real_putrequest.__doc__
    getresponse.__doc__ = real_getresponse.__doc__
    connection_class.putrequest = putrequest
    connection_class.getresponse = getresponse


def _describe_request(connection: Any, method: str, url: str) -> Optional[dict[str, Any]]:
    """The breadcrumb data of a request about to be sent, or None if it is not recorded."""
    client = _active_client()
    if client is None:
        return None
    parts = urlsplit(_full_url(connection, url))
    if _is_sdk_request(client, parts):
        return None
    data: dict[str, Any] = {
        "method": str(method).upper(),
        "url": urlunsplit((parts.scheme, strip_userinfo(parts.netloc), parts.path, "", "")),
    }
    if parts.query:
        data["http.query"] = parts.query
    if parts.fragment:
        data["http.fragment"] = parts.fragment
    return data


def _full_url(connection: Any, url: str) -> str:
    """The absolute URL of a request: ``url`` is usually only the path."""
    url = str(url)
    if url.startswith(("http://", "https://")):
        return url  # the absolute form, sent to a proxy
    default_port = getattr(connection, "default_port", 80)
    tunnel_host = getattr(connection, "_tunnel_host", None)
    if tunnel_host:  # HTTPS through a proxy: the proxy is connection.host
        host, port = tunnel_host, getattr(connection, "_tunnel_port", None)
    else:
        host, port = connection.host, connection.port
    host = str(host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    scheme = "https" if default_port == 443 else "http"
    port_text = f":{port}" if port and port != default_port else ""
    return f"{scheme}://{host}{port_text}{url}"


def _is_sdk_request(client: BaseClient, parts: SplitResult) -> bool:
    """Whether the request goes to the client's envelope endpoint."""
    dsn = client.options.dsn
    if dsn is None:
        return False
    if (parts.hostname or "") != dsn.host.strip("[]").lower():
        return False
    try:
        port = parts.port
    except ValueError:
        return False
    default_port = 443 if parts.scheme == "https" else 80
    dsn_port = dsn.port or (443 if dsn.scheme == "https" else 80)
    return (port or default_port) == dsn_port and parts.path.startswith(
        f"{dsn.path}/api/{dsn.project_id}/"
    )


def _record_http(
    data: dict[str, Any], status: Optional[int], reason: Optional[str], error: Optional[Exception]
) -> None:
    level = "info"
    if status is not None:
        data["status_code"] = int(status)
        if reason:
            data["reason"] = str(reason)
        if status >= 500:
            level = "error"
        elif status >= 400:
            level = "warning"
    if error is not None:
        level = "error"
        data["error"] = type(error).__name__
    crumb: Breadcrumb = {"type": "http", "category": "httplib", "level": level, "data": data}
    get_isolation_scope().add_breadcrumb(crumb)


# -- subprocess ----------------------------------------------------------------------


def _patch_subprocess(module: ModuleType) -> None:
    popen_class = module.Popen
    real_init = popen_class.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        crumb = None
        with guarded("subprocess breadcrumb"):
            crumb = _describe_command(args, kwargs)
        if crumb is None:
            real_init(self, *args, **kwargs)
            return
        try:
            real_init(self, *args, **kwargs)
        except Exception as error:
            with guarded("subprocess breadcrumb"):
                crumb["level"] = "error"
                crumb["data"]["error"] = type(error).__name__
                get_isolation_scope().add_breadcrumb(crumb)
            raise
        with guarded("subprocess breadcrumb"):
            crumb["data"]["subprocess.pid"] = self.pid
            get_isolation_scope().add_breadcrumb(crumb)

    __init__.__doc__ = real_init.__doc__
    popen_class.__init__ = __init__


def _describe_command(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Optional[Breadcrumb]:
    """The breadcrumb of a ``Popen(*args, **kwargs)`` call, or None if it is not recorded."""
    client = _active_client()
    if client is None:
        return None
    command = kwargs["args"] if "args" in kwargs else (args[0] if args else None)
    cwd = kwargs["cwd"] if "cwd" in kwargs else (args[9] if len(args) > 9 else None)
    rules = _CommandRules.of(client)
    data: dict[str, Any] = {}
    if cwd is not None:
        data["subprocess.cwd"] = _cut(rules.mask([_argument_text(cwd)])[0])
    return {
        "type": "subprocess",
        "category": "subprocess",
        "message": _command_text(command, rules),
        "data": data,
    }


def _command_text(command: object, rules: _CommandRules) -> str:
    """The command line as one string, its secrets masked, each argument cut."""
    more = 0
    if isinstance(command, (list, tuple)):
        texts = [_argument_text(word) for word in command[:_MAX_ARGS]]
        more = len(command) - len(texts)
    else:
        texts = [_argument_text(command)]
    words = [_cut(text) for text in rules.mask(texts)]
    if more:
        words.append(f"... ({more} more)")
    return " ".join(words)


def _argument_text(value: object) -> str:
    """One argument as text, URL credentials masked, not cut yet (masking comes first)."""
    if isinstance(value, (str, bytes, os.PathLike)):
        try:
            text = os.fsdecode(value)
        except Exception:  # noqa: BLE001 -- a PathLike whose __fspath__ fails
            return safe_repr(value, _MAX_ARG_LENGTH)
        # Masked before the cut, which could hide the "@".
        return mask_userinfo(text[: 2 * _MAX_ARG_LENGTH])
    return mask_userinfo(safe_repr(value, _MAX_ARG_LENGTH))


def _cut(text: str) -> str:
    return text if len(text) <= _MAX_ARG_LENGTH else text[:_MAX_ARG_LENGTH] + "..."


# -- secrets on command lines ----------------------------------------------------------
#
# sys.argv is masked by the scrubber: in a list of strings, the value after a
# sensitive flag ("--password", "--api-key") becomes "[Filtered]" (DataScrubber,
# scrubber/_data.py), and value patterns catch "--password=...". A breadcrumb's
# message is one string, and a failed command's error message holds the command,
# so the same rule is applied here, through the same DataScrubber, to the words
# of each argument (a shell command line or "sh -c '...'" holds several).

# One shell word: runs of plain characters, quoted parts and escapes; an
# unclosed quote runs to the end. The alternatives begin with different
# characters, so matching never backtracks.
_SHELL_WORD = r"""(?:[^\s'"\\]+|\\.?|'[^']*'?|"(?:[^"\\]|\\.)*"?)+"""
_SPLIT_NEEDED = r"""[\s'"\\]"""


class _CommandRules:
    """The client's scrubber rules as they apply to command lines."""

    __slots__ = ("_flags", "_string_filter")

    def __init__(
        self,
        key_filter: Optional[Callable[[str], bool]],
        string_filter: Optional[Callable[[str], str]],
    ) -> None:
        # Only the flag rule: value patterns run on each whole argument instead.
        self._flags = DataScrubber(key_filter, None) if key_filter is not None else None
        self._string_filter = string_filter

    @classmethod
    def of(cls, client: BaseClient) -> _CommandRules:
        """The rules of ``client``'s scrubber (none with a scrubber of the program's own)."""
        if not isinstance(client, Client):
            return cls(None, None)
        settings = client.event_settings
        return cls(settings.key_filter, settings.string_filter)

    def mask(self, texts: list[str]) -> list[str]:
        """``texts`` (the arguments of one command) with their secrets masked."""
        if self._flags is not None:
            texts = [*texts]
            for index, start, end, _word in reversed(self._flag_values(texts)):
                texts[index] = texts[index][:start] + FILTERED + texts[index][end:]
        string_filter = self._string_filter
        return texts if string_filter is None else [string_filter(text) for text in texts]

    def secrets(self, texts: list[str]) -> set[str]:
        """The values after sensitive flags in ``texts``, as written and as unquoted."""
        found: set[str] = set()
        for index, start, end, word in self._flag_values(texts):
            found.update((texts[index][start:end], word))
        found.discard("")
        return found

    def _flag_values(self, texts: list[str]) -> list[tuple[int, int, int, str]]:
        """``(argument index, start, end, word)`` of each value the flag rule masks.

        First the arguments as the program gets them (the ``sys.argv`` rule
        exactly: ``["--token", "a b"]`` masks ``a b``), then the shell words
        inside each argument: a shell command line, or ``sh -c "..."``, holds
        several.
        """
        flags = self._flags
        if flags is None:
            return []
        found = _masked(flags, [(index, 0, len(text), text) for index, text in enumerate(texts)])
        masked_arguments = {index for index, _, _, _ in found}
        words: list[tuple[int, int, int, str]] = []
        split = False
        for index, text in enumerate(texts):
            if index in masked_arguments:
                words.append((index, 0, len(text), FILTERED))
            elif re.search(_SPLIT_NEEDED, text) is None:  # most arguments: one plain word
                words.append((index, 0, len(text), text))
            else:
                split = True
                for match in re.finditer(_SHELL_WORD, text):
                    words.append((index, match.start(), match.end(), _unquoted(match.group())))
        if split:
            found.extend(_masked(flags, words))
            found.sort()
        return found


def _masked(
    flags: DataScrubber, spans: list[tuple[int, int, int, str]]
) -> list[tuple[int, int, int, str]]:
    """The spans whose word the flag rule (``DataScrubber.sequence``) masks."""
    words = [word for _, _, _, word in spans]
    masked = [*words]
    flags.sequence(masked)
    return [
        span
        for span, before, after in zip(spans, words, masked)
        if after == FILTERED and before != FILTERED
    ]


def _unquoted(token: str) -> str:
    """A shell word without its quotes and escapes (as the program receives it)."""
    if "'" not in token and '"' not in token and "\\" not in token:
        return token
    import shlex

    try:
        words = shlex.split(token)
    except ValueError:  # an unclosed quote
        return token
    return words[0] if len(words) == 1 else token


def _subprocess_errors(error: Optional[BaseException]) -> list[BaseException]:
    """The ``subprocess`` errors with a command (``CalledProcessError``,
    ``TimeoutExpired``) in ``error``'s chain."""
    subprocess = sys.modules.get("subprocess")
    if subprocess is None:
        return []
    found: list[BaseException] = []
    seen: set[int] = set()
    pending = [error]
    while pending and len(seen) < _MAX_CHAIN:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, subprocess.SubprocessError) and hasattr(current, "cmd"):
            found.append(current)
        pending.extend((current.__cause__, current.__context__))
    return found


def _command_secrets(command: object, rules: _CommandRules) -> set[str]:
    if isinstance(command, (list, tuple)):
        texts = [_argument_text(word) for word in command[:_MAX_ARGS]]
    else:
        texts = [_argument_text(command)]
    secrets = rules.secrets(texts)
    # A list is shown as its repr: "['tool', '--password', 'it\\'s']".
    secrets.update(repr(secret)[1:-1] for secret in list(secrets))
    return secrets


def _mask_secrets(value: object, pattern: re.Pattern[str], depth: int = 0) -> object:
    """``value`` with every whole occurrence of a known secret masked (dicts and lists in place)."""
    if isinstance(value, str):
        return pattern.sub(FILTERED, value)
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in _NOT_MASKED:
                value[key] = _mask_secrets(item, pattern, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = _mask_secrets(item, pattern, depth + 1)
    return value
