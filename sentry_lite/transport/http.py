"""Delivering envelopes over HTTP(S) with urllib3, from a background worker.

:meth:`HttpTransport.capture_envelope` only queues a task. The worker thread
stamps ``sent_at``, encodes, gzips and POSTs the envelope to the DSN's
envelope endpoint through one connection pool, so connections are reused.

What becomes of each envelope is logged at debug level: sent, or dropped and
why. Drops are counted in :attr:`Transport.lost`:

- ``queue_overflow``: the worker's queue was full;
- ``network_error``: no HTTP answer (refused, reset, timeout, TLS, DNS);
- ``send_error``: an HTTP status other than 2xx and 429;
- ``internal_sdk_error``: the envelope could not be encoded.

A 429 is not counted: the server counts what it rate-limits.
"""

from __future__ import annotations

import gzip
import socket
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlsplit

from sentry_lite._errors import ConfigurationError
from sentry_lite._guard import guarded
from sentry_lite._log import logger
from sentry_lite._version import VERSION
from sentry_lite.envelope import Envelope
from sentry_lite.transport.base import Transport
from sentry_lite.transport.worker import Worker

if TYPE_CHECKING:
    import urllib3

    from sentry_lite.dsn import Dsn
    from sentry_lite.options import Options

__all__ = ["HttpTransport"]

CLIENT = f"sentry.python.lite/{VERSION}"
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
GZIP_LEVEL = 6

# TCP keep-alive probing once a connection has idled 45 s, as sentry_sdk does
# (Linux would otherwise wait two hours before the first probe).
_KEEPALIVE_TUNING = (("TCP_KEEPIDLE", 45), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 6))


class HttpTransport(Transport):
    """Send envelopes to the DSN's server over HTTP(S).

    Args:
        options: The SDK's options; ``options.dsn`` must be set. Also read:
            ``transport_queue_size``, ``http_proxy``, ``https_proxy``,
            ``ca_certs``, ``keep_alive``.

    Raises:
        ConfigurationError: ``options`` has no DSN.
    """

    def __init__(self, options: Optional[Options] = None) -> None:
        super().__init__(options)
        if options is None or options.dsn is None:
            raise ConfigurationError("HttpTransport needs options with a DSN")
        self._options: Options = options
        self._dsn: Dsn = options.dsn
        self._url = self._dsn.envelope_url
        self._headers = {
            "X-Sentry-Auth": self._dsn.auth_header(CLIENT),
            "Content-Type": "application/x-sentry-envelope",
            "Content-Encoding": "gzip",
            "User-Agent": CLIENT,
        }
        self._worker = Worker(options.transport_queue_size, name="sentry_lite.HttpTransport")
        self._pool: Optional[urllib3.PoolManager] = None  # made on the worker, on first send

    def capture_envelope(self, envelope: Envelope) -> None:
        """Queue ``envelope`` for sending; never blocks. A full queue drops it (counted)."""
        with guarded("HttpTransport.capture_envelope"):
            if self._worker.submit(lambda: self._send(envelope)):
                return
            if self._worker.killed:  # after close(): nothing will ever send a report
                logger.debug("dropped %s: the transport is closed", _describe(envelope))
            else:
                logger.debug("dropped %s: queue_overflow", _describe(envelope))
                self._record_items("queue_overflow", envelope)

    def flush(
        self, timeout: float, callback: Optional[Callable[[int, float], object]] = None
    ) -> bool:
        """Wait up to ``timeout`` seconds for envelopes captured so far to be handled."""
        with guarded("HttpTransport.flush"):
            return self._worker.flush(timeout, callback)
        return False

    def kill(self) -> None:
        """Stop the worker at once; envelopes still queued are abandoned."""
        with guarded("HttpTransport.kill"):
            self._worker.kill()
            if self._pool is not None:
                self._pool.clear()

    # -- on the worker thread -------------------------------------------------

    def _send(self, envelope: Envelope) -> None:
        try:
            self._deliver(envelope)
        except Exception:
            self._record_items("internal_sdk_error", envelope)
            raise  # the worker's guard logs it

    def _deliver(self, envelope: Envelope) -> None:
        from urllib3.exceptions import HTTPError

        description = _describe(envelope)
        sent_at = datetime.now(timezone.utc).isoformat(timespec="microseconds")
        stamped = Envelope({**envelope.headers, "sent_at": sent_at}, envelope.items)
        body = gzip.compress(stamped.serialize(), compresslevel=GZIP_LEVEL)
        try:
            response = self._get_pool().request(
                "POST", self._url, body=body, headers=self._headers, preload_content=True
            )
        except (HTTPError, OSError) as error:
            logger.debug("dropped %s: network_error (%s)", description, error)
            self._record_items("network_error", envelope)
            return
        status = response.status
        if 200 <= status < 300:
            logger.debug("sent %s", description)
        elif status == 429:
            logger.debug("dropped %s: rate limited by the server (HTTP 429)", description)
        else:
            logger.debug(
                "dropped %s: send_error (HTTP %d: %r)", description, status, response.data[:200]
            )
            self._record_items("send_error", envelope)

    def _record_items(self, reason: str, envelope: Envelope) -> None:
        for item in envelope.items:
            category = item.data_category
            if category == "internal":
                continue  # never report the loss of a client report
            if category == "attachment":  # counted in bytes
                size = len(item.raw) if item.raw is not None else 0
                self.record_lost_event(reason, category, max(size, 1))
            else:
                self.record_lost_event(reason, category)

    def _get_pool(self) -> urllib3.PoolManager:
        if self._pool is None:
            self._pool = _make_pool(self._options, self._dsn)
        return self._pool


def _describe(envelope: Envelope) -> str:
    """``event <id>`` for an error event, else the envelope's item types."""
    event_id = envelope.headers.get("event_id")
    types = [item.type for item in envelope.items]
    if "event" in types and event_id:
        return f"event {event_id}"
    return f"envelope ({', '.join(types) or 'empty'})"


def _make_pool(options: Options, dsn: Dsn) -> urllib3.PoolManager:
    import urllib3
    from urllib3.connection import HTTPConnection
    from urllib3.util import parse_url

    pool_options: dict[str, Any] = {
        "num_pools": 2,
        "cert_reqs": "CERT_REQUIRED",
        "ca_certs": options.ca_certs or _certifi_bundle(),
        "timeout": urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
        "retries": False,
    }
    if options.keep_alive:
        socket_options = list(HTTPConnection.default_socket_options)
        socket_options.append((socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1))
        for name, value in _KEEPALIVE_TUNING:
            if hasattr(socket, name):
                socket_options.append((socket.IPPROTO_TCP, getattr(socket, name), value))
        pool_options["socket_options"] = socket_options

    proxy = _choose_proxy(urlsplit(dsn.envelope_url).scheme, dsn.host, options)
    if proxy is None:
        return urllib3.PoolManager(**pool_options)
    proxy_url = parse_url(proxy)
    if proxy_url.scheme and proxy_url.scheme.startswith("socks"):
        try:
            from urllib3.contrib.socks import SOCKSProxyManager
        except ImportError:
            logger.debug("a SOCKS proxy needs PySocks; connecting directly instead")
            return urllib3.PoolManager(**pool_options)
        return SOCKSProxyManager(proxy, **pool_options)
    proxy_headers = None
    if proxy_url.auth:
        proxy_headers = urllib3.make_headers(proxy_basic_auth=proxy_url.auth)
    return urllib3.ProxyManager(proxy, proxy_headers=proxy_headers, **pool_options)


def _certifi_bundle() -> str:
    import certifi

    return certifi.where()


def _choose_proxy(scheme: str, host: str, options: Options) -> Optional[str]:
    """The proxy URL to reach ``host`` through, or None to connect directly.

    An https DSN uses ``https_proxy``, else ``http_proxy``; an http DSN uses
    ``http_proxy``. An option left None falls back to the environment
    (``https_proxy``/``http_proxy`` variables, unless ``no_proxy`` covers the
    host); an option set to ``""`` means "no proxy", environment included.
    """
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
    """Proxies from the environment (or system settings) that apply to ``host``."""
    from urllib.request import getproxies, proxy_bypass

    proxies = getproxies()
    bare_host = host[1:-1] if host.startswith("[") else host  # an IPv6 address
    if proxies and proxy_bypass(bare_host):
        return {}
    return proxies
