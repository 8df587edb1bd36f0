# The urllib3 connection pool the HTTP transport sends through: TLS, keep-alive, proxies.
#
# Made on the worker thread on the first send (urllib3 is imported then, not
# at ``init()``). Proxies come from the options, else from the environment
# (``https_proxy``, ``http_proxy``, ``no_proxy``), which urllib3 does not read
# by itself. On Linux and other POSIX systems the variables are read here, by
# the rules of :func:`urllib.request.getproxies` and
# :func:`urllib.request.proxy_bypass` (lowercase names win; a CGI script
# ignores ``HTTP_PROXY``; ``no_proxy`` lists host suffixes or ``*``): loading
# ``urllib.request`` for that costs about 0.4 MB of memory. On macOS and
# Windows, where the system's proxy settings count too, ``urllib.request``
# reads them.

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlsplit

from sentry_lite._log import logger

if TYPE_CHECKING:
    from collections.abc import Mapping

    import urllib3

    from sentry_lite.dsn import Dsn
    from sentry_lite.options import Options

__all__ = ["bypasses_proxy", "choose_proxy", "make_pool", "proxies_from_environment"]

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0

# TCP keep-alive probing once a connection has idled 45 s, as sentry_sdk does
# (Linux would otherwise wait two hours before the first probe).
_KEEPALIVE_TUNING = (("TCP_KEEPIDLE", 45), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 6))


def make_pool(
    options: Options, dsn: Dsn, timeout: Optional[tuple[float, float]] = None
) -> urllib3.PoolManager:
    # A pool for ``dsn``'s server: TLS checked, no retries (the transport decides), proxies.
    #
    # ``timeout`` is ``(connect, read)`` seconds; default 2 s and 5 s.
    import urllib3
    from urllib3.connection import HTTPConnection
    from urllib3.util import parse_url

    connect, read = timeout or (CONNECT_TIMEOUT, READ_TIMEOUT)
    pool_options: dict[str, Any] = {
        "num_pools": 2,
        "cert_reqs": "CERT_REQUIRED",
        "ca_certs": options.ca_certs or _certifi_bundle(),
        "timeout": urllib3.Timeout(connect=connect, read=read),
        "retries": False,
    }
    given: Optional[tuple[tuple[int, int, Any], ...]] = getattr(options, "socket_options", None)
    if given is not None or options.keep_alive:
        # As sentry_sdk: socket_options replace urllib3's defaults; keep_alive
        # adds the keep-alive options they do not set already.
        socket_options = list(HTTPConnection.default_socket_options if given is None else given)
        if options.keep_alive:
            keepalive = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
            for name, value in _KEEPALIVE_TUNING:
                if hasattr(socket, name):
                    keepalive.append((socket.IPPROTO_TCP, getattr(socket, name), value))
            present = {(level, option) for level, option, _ in socket_options}
            socket_options.extend(o for o in keepalive if (o[0], o[1]) not in present)
        pool_options["socket_options"] = socket_options

    proxy = choose_proxy(urlsplit(dsn.envelope_url).scheme, dsn.host, options)
    if proxy is None:
        return urllib3.PoolManager(**pool_options)
    proxy_url = parse_url(proxy)
    if proxy_url.scheme and proxy_url.scheme.startswith("socks"):
        # Asked before importing urllib3's socks module: without PySocks that import
        # warns first (a DependencyWarning, an exception under -W error), then fails.
        if importlib.util.find_spec("socks") is None:
            logger.debug("a SOCKS proxy needs PySocks; connecting directly instead")
            return urllib3.PoolManager(**pool_options)
        from urllib3.contrib.socks import SOCKSProxyManager

        return SOCKSProxyManager(proxy, **pool_options)
    proxy_headers = None
    if proxy_url.auth:
        proxy_headers = urllib3.make_headers(proxy_basic_auth=proxy_url.auth)
    return urllib3.ProxyManager(proxy, proxy_headers=proxy_headers, **pool_options)


def _certifi_bundle() -> str:
    import certifi

    return certifi.where()


def choose_proxy(scheme: str, host: str, options: Options) -> Optional[str]:
    # The proxy URL to reach ``host`` through, or None to connect directly.
    #
    # An https DSN uses ``https_proxy``, else ``http_proxy``; an http DSN uses
    # ``http_proxy``. An option left None falls back to the environment
    # (``https_proxy``/``http_proxy`` variables, unless ``no_proxy`` covers the
    # host); an option set to ``""`` means "no proxy", environment included.
    choices = [(options.http_proxy, "http")]
    if scheme == "https":
        choices.insert(0, (options.https_proxy, "https"))
    environment: Optional[dict[str, str]] = None
    for option, environment_key in choices:
        if option == "":
            continue
        if option:
            return option
        if environment is None:
            environment = _environment_proxies(host)
        if environment.get(environment_key):
            return environment[environment_key]
    return None


def _environment_proxies(host: str) -> dict[str, str]:
    # Proxies from the environment (or system settings) that apply to ``host``.
    bare_host = host[1:-1] if host.startswith("[") else host  # an IPv6 address
    if sys.platform in ("darwin", "win32"):
        from urllib.request import getproxies, proxy_bypass

        proxies = getproxies()
        if proxies and proxy_bypass(bare_host):
            return {}
        return proxies
    proxies = proxies_from_environment(os.environ)
    if proxies and bypasses_proxy(bare_host, proxies.get("no")):
        return {}
    return proxies


def proxies_from_environment(environment: Mapping[str, str]) -> dict[str, str]:
    # ``{scheme: proxy}`` from the ``<scheme>_proxy`` variables of ``environment``.
    #
    # Any spelling counts; one whose ``_proxy`` suffix is lowercase wins over the
    # others, and when empty it removes the scheme. In a CGI script (``REQUEST_METHOD``
    # set) an uppercase ``HTTP_PROXY`` may come from a request header, so it is
    # not trusted.
    found: dict[str, str] = {}
    lowercase: list[tuple[str, str]] = []
    for name, value in environment.items():
        folded = name.lower()
        if not folded.endswith("_proxy"):
            continue
        if name.endswith("_proxy"):
            lowercase.append((folded[:-6], value))
        elif value:
            found[folded[:-6]] = value
    if "REQUEST_METHOD" in environment:
        found.pop("http", None)
    for scheme, value in lowercase:
        if value:
            found[scheme] = value
        else:
            found.pop(scheme, None)
    return found


def bypasses_proxy(host: str, no_proxy: Optional[str]) -> bool:
    # Whether ``no_proxy`` (comma-separated host names or suffixes, or ``*``) covers ``host``.
    #
    # ``host`` may carry a port; an entry matches the host with or without it.
    if not no_proxy:
        return False
    if no_proxy == "*":
        return True
    host = host.lower()
    host_only = host
    name, colon, port = host.rpartition(":")
    if colon and port.isascii() and port.isdigit():
        host_only = name
    for entry in no_proxy.split(","):
        suffix = entry.strip().lstrip(".").lower()
        if not suffix:
            continue
        for candidate in (host_only, host):
            if candidate == suffix or candidate.endswith("." + suffix):
                return True
    return False
