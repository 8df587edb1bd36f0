# Contexts every event carries: the runtime and OS (computed once), a trace, the host name.
#
# Nothing here starts a subprocess: the OS is read from ``os.uname()``,
# ``sys.getwindowsversion()``, ``/etc/os-release`` and (macOS) the system
# version plist through ``platform.mac_ver()``.

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import Any

__all__ = [
    "STATIC_CONTEXT_NAMES",
    "default_server_name",
    "new_trace_context",
    "static_contexts",
]

#: The contexts :func:`static_contexts` gives, the same for every event of the process.
STATIC_CONTEXT_NAMES = ("runtime", "os")

_IMPLEMENTATION_NAMES = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}
_RELEASE_LEVELS = {"alpha": "a", "beta": "b", "candidate": "rc"}
_OS_RELEASE_FILES = ("/etc/os-release", "/usr/lib/os-release")
_MAX_OS_RELEASE_BYTES = 16_384


def static_contexts() -> dict[str, dict[str, Any]]:
    # ``{"runtime": {...}, "os": {...}}``: a fresh copy of values computed once.
    return {name: dict(context) for name, context in _static_contexts().items()}


def new_trace_context() -> dict[str, str]:
    # A new ``{"trace_id": 32 hex, "span_id": 16 hex}`` from ``os.urandom``.
    random_bytes = os.urandom(24)
    return {"trace_id": random_bytes[:16].hex(), "span_id": random_bytes[16:].hex()}


@lru_cache(maxsize=1)
def default_server_name() -> str:
    # This host's name (``socket.gethostname()``), or ``""`` when it cannot be read.
    try:
        if "socket" not in sys.modules and hasattr(os, "uname"):
            # What gethostname() returns on POSIX, without importing socket
            # (~4 ms, most of init()); urllib3 imports it later, on the worker.
            name = os.uname().nodename
        else:
            import socket

            name = socket.gethostname()
    except Exception:  # noqa: BLE001 -- no host name is not worth an error
        return ""
    return name if isinstance(name, str) else ""


@lru_cache(maxsize=1)
def _static_contexts() -> dict[str, dict[str, Any]]:
    contexts: dict[str, dict[str, Any]] = {"runtime": _runtime_context()}
    try:
        contexts["os"] = _os_context()
    except Exception:  # noqa: BLE001 -- an exotic platform still gets its events out
        contexts["os"] = {"name": sys.platform}
    return contexts


def _runtime_context() -> dict[str, Any]:
    implementation = sys.implementation.name
    name = _IMPLEMENTATION_NAMES.get(implementation, implementation)
    info = sys.version_info
    version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel in _RELEASE_LEVELS:
        version += f"{_RELEASE_LEVELS[info.releaselevel]}{info.serial}"
    return {"name": name, "version": version, "build": sys.version, "raw_description": sys.version}


def _os_context() -> dict[str, Any]:
    if sys.platform == "win32":
        windows = sys.getwindowsversion()
        version = f"{windows.major}.{windows.minor}.{windows.build}"
        return {"name": "Windows", "version": version, "build": str(windows.build)}
    uname = os.uname()
    context: dict[str, Any] = {
        "name": uname.sysname,
        "version": uname.release,
        "kernel_version": uname.release,
        "build": uname.version,
        "raw_description": f"{uname.sysname} {uname.release} {uname.version}",
    }
    if sys.platform == "darwin":
        import platform

        mac_version = platform.mac_ver()[0]
        context["name"] = "macOS"
        if mac_version:
            context["version"] = mac_version
    elif sys.platform.startswith("linux"):
        context.update(_linux_distribution())
    return context


def _linux_distribution() -> dict[str, str]:
    for path in _OS_RELEASE_FILES:
        try:
            with open(path, encoding="utf-8", errors="replace") as release_file:
                text = release_file.read(_MAX_OS_RELEASE_BYTES)
        except OSError:
            continue
        fields = _parse_os_release(text)
        found = {
            "distribution_name": fields.get("ID"),
            "distribution_version": fields.get("VERSION_ID"),
            "distribution_pretty_name": fields.get("PRETTY_NAME"),
        }
        return {key: value for key, value in found.items() if value}
    return {}


def _parse_os_release(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, separator, value = line.strip().partition("=")
        if not separator or key.startswith("#"):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        fields[key] = value
    return fields
