"""A pytest plugin that runs sentry-python's own tests against sentry_lite.

Loaded by ``run_upstream.py`` with ``-p sentry_sdk_suite --noconftest`` on the
``tests/`` directory of the sentry-sdk 2.75.0 sdist (downloaded, never copied
into this repository). It changes nothing in their tests; it provides:

- an import hook: ``sentry_sdk`` and ``sentry_sdk.<x>`` resolve to
  ``sentry_lite`` and ``sentry_lite.<x>``; a module sentry_lite does not have
  (``sentry_sdk.utils``, ``serializer``, ...: sentry_sdk's private helpers)
  becomes a stand-in whose every name is a placeholder that fails when used,
  so one test reaching for a private helper fails alone rather than its
  whole file;
- the fixtures their conftest.py defines that the tests of sentry_lite's
  features use (``sentry_init``, ``capture_events``, ``capture_envelopes``,
  ``capture_items``, ``capture_record_lost_event_calls``, the matchers),
  written here against sentry_lite's API, and the few helpers test files
  import from ``tests.conftest``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import socket
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

_ALIAS = "sentry_sdk"


class _Placeholder:
    """A name sentry_lite does not have: importing it works, and so does calling it
    or iterating it where a test file does so at import time (building its
    parameters), so the file's other tests still run; a test that uses it fails
    on what it gets back."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _Placeholder(f"{self._name}()")

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __bool__(self) -> bool:
        return False

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _Placeholder(f"{self._name}.{attribute}")

    def __repr__(self) -> str:
        return f"<missing {self._name}>"


class _MissingModule(types.ModuleType):
    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _Placeholder(f"{self.__name__}.{attribute}")


class _LiteModule(types.ModuleType):
    """``sentry_sdk.<x>`` as a view of ``sentry_lite.<x>``: its names, and a placeholder
    for each name it lacks (one missing name must not stop a whole test file)."""

    def __init__(self, name: str, ours: types.ModuleType) -> None:
        super().__init__(name)
        self.__dict__["_ours"] = ours
        if hasattr(ours, "__path__"):
            self.__path__ = []  # a package: its submodules come through the hook too

    def __getattr__(self, attribute: str) -> Any:
        ours = self.__dict__["_ours"]
        try:
            return getattr(ours, attribute)
        except AttributeError:
            if attribute.startswith("__"):
                raise
            return _Placeholder(f"{self.__name__}.{attribute}")

    def __setattr__(self, attribute: str, value: Any) -> None:
        # monkeypatch.setattr(sentry_sdk.x, ...) patches sentry_lite.x
        if attribute.startswith("__") or attribute == "_ours":
            super().__setattr__(attribute, value)
        else:
            setattr(self.__dict__["_ours"], attribute, value)

    def __delattr__(self, attribute: str) -> None:
        delattr(self.__dict__["_ours"], attribute)


class _AsLite(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import sentry_sdk[.x]`` gives a view of ``sentry_lite[.x]`` (or a stand-in)."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name == _ALIAS or name.startswith(_ALIAS + "."):
            return importlib.util.spec_from_loader(name, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        ours = "sentry_lite" + spec.name[len(_ALIAS) :]
        try:
            return _LiteModule(spec.name, importlib.import_module(ours))
        except ImportError:
            return _MissingModule(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        return None


sys.meta_path.insert(0, _AsLite())

import sentry_lite  # noqa: E402 -- after the hook, which does not need it
from sentry_lite import _guard  # noqa: E402
from sentry_lite.scope._state import scopes_var  # noqa: E402
from sentry_lite.transport import Transport  # noqa: E402

# -- what their test files import from tests.conftest -------------------------------------


class TestTransport(Transport):
    __test__ = False

    def capture_envelope(self, envelope: Any) -> None:
        return None


class TestTransportWithOptions(Transport):
    __test__ = False

    def capture_envelope(self, envelope: Any) -> None:
        return None


class ApproxDict(dict):  # type: ignore[type-arg]
    """Equal to a dict holding at least these items."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, dict) and all(
            key in other and other[key] == value for key, value in self.items()
        )

    __hash__ = None  # type: ignore[assignment]


def get_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_mock_http_server() -> int:
    """A server on 127.0.0.1 answering every request 200; its port."""
    import http.server
    import threading

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            # /status/404 answers 404, as the suite's own server does
            parts = self.path.split("?")[0].split("/")
            status = int(parts[2]) if len(parts) > 2 and parts[1] == "status" else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_POST = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return int(server.server_address[1])


_stand_in = types.ModuleType("tests.conftest")
for _name, _value in {
    "ApproxDict": ApproxDict,
    "TestTransport": TestTransport,
    "TestTransportWithOptions": TestTransportWithOptions,
    "get_free_port": get_free_port,
    "create_mock_http_server": create_mock_http_server,
}.items():
    setattr(_stand_in, _name, _value)
sys.modules["tests.conftest"] = _stand_in


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_sdk() -> Iterator[None]:
    """Each test starts without a client and with empty scopes, as theirs does."""
    yield
    scope = sentry_lite.get_global_scope()
    scope.get_client().close(timeout=1.0)
    scope.set_client(None)
    scope.clear()
    scopes_var.set(None)
    _guard.internal_error_hook = None


@pytest.fixture
def sentry_init() -> Any:
    def init(*args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("transport", TestTransport())
        client = sentry_lite.Client(*args, **kwargs)
        sentry_lite.get_global_scope().set_client(client)

    return init


def _patch_capture(monkeypatch: pytest.MonkeyPatch, keep: Any) -> None:
    transport = sentry_lite.get_client().transport
    original = transport.capture_envelope

    def capture_envelope(envelope: Any) -> Any:
        keep(envelope)
        return original(envelope)

    monkeypatch.setattr(transport, "capture_envelope", capture_envelope)


@pytest.fixture
def capture_events(monkeypatch: pytest.MonkeyPatch) -> Any:
    def start() -> list[Any]:
        events: list[Any] = []

        def keep(envelope: Any) -> None:
            for item in envelope:
                if item.headers.get("type") in ("event", "transaction"):
                    events.append(item.payload.json)

        _patch_capture(monkeypatch, keep)
        return events

    return start


@pytest.fixture
def capture_envelopes(monkeypatch: pytest.MonkeyPatch) -> Any:
    def start() -> list[Any]:
        envelopes: list[Any] = []
        _patch_capture(monkeypatch, envelopes.append)
        return envelopes

    return start


@dataclass
class _Unwrapped:
    type: str
    payload: dict[str, Any]


@pytest.fixture
def capture_items(monkeypatch: pytest.MonkeyPatch) -> Any:
    def start(*kinds: str) -> list[Any]:
        found: list[Any] = []

        def keep(envelope: Any) -> None:
            for item in envelope:
                if kinds and item.type not in kinds:
                    continue
                if item.type in ("log", "trace_metric", "span"):
                    for entry in item.payload.json["items"]:
                        flat = {k: v for k, v in entry.items() if k != "attributes"}
                        flat["attributes"] = {k: v["value"] for k, v in entry["attributes"].items()}
                        found.append(_Unwrapped(item.type, flat))
                else:
                    found.append(_Unwrapped(item.type, item.payload.json))

        _patch_capture(monkeypatch, keep)
        return found

    return start


@pytest.fixture
def capture_record_lost_event_calls(monkeypatch: pytest.MonkeyPatch) -> Any:
    def start() -> list[Any]:
        calls: list[Any] = []

        def record(
            reason: str, data_category: Any = None, item: Any = None, *, quantity: int = 1
        ) -> None:
            calls.append((reason, data_category, item, quantity))

        monkeypatch.setattr(sentry_lite.get_client().transport, "record_lost_event", record)
        return calls

    return start


@pytest.fixture
def suppress_deprecation_warnings() -> Iterator[None]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


@pytest.fixture
def reset_integrations() -> None:
    return None


@pytest.fixture
def uninstall_integration() -> Any:
    return lambda identifier: None


class _Matcher:
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, test: Any, text: str) -> None:
        self._test = test
        self._text = text

    def __eq__(self, other: object) -> bool:
        try:
            return bool(self._test(other))
        except Exception:
            return False

    def __repr__(self) -> str:
        return self._text


@pytest.fixture(name="StringContaining")
def string_containing() -> Any:
    return lambda part: _Matcher(lambda other: part in other, f"<str containing {part!r}>")


@pytest.fixture(name="DictionaryContaining")
def dictionary_containing() -> Any:
    return lambda part: _Matcher(
        lambda other: all(other[key] == value for key, value in part.items()),
        f"<dict containing {part!r}>",
    )


@pytest.fixture(name="ObjectDescribedBy")
def object_described_by() -> Any:
    def matcher(type: Any = None, attrs: Any = None) -> _Matcher:
        def test(other: Any) -> bool:
            if type is not None and not isinstance(other, type):
                return False
            return all(getattr(other, key) == value for key, value in (attrs or {}).items())

        return _Matcher(test, f"<object of {type} with {attrs}>")

    return matcher
