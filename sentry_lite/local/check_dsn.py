# ``sentry-lite check-dsn DSN``: will events sent with this DSN arrive, and if not, why.
#
# It walks the path an event takes, one step at a time, and stops at the
# first that fails, saying what went wrong in plain words and what to try:
#
#     DSN       parsed (dsn.py's messages name the part that is wrong)
#     proxy     the one the transport would use (options, else the environment)
#     resolve   the host's addresses (the proxy's, with a proxy)
#     connect   a TCP connection to the first address that answers
#     TLS       for https without a proxy: the handshake, the certificate
#     send      a test event through the transport's own connection pool;
#               the server's answer explained (check_dsn_answer.py)
#
# The exit status says whether events will arrive (:data:`EXIT_CODES`).
# Only the ``send`` step talks HTTP; the steps before it tell a DNS failure
# from a firewall from a certificate problem, which one failed request cannot.

from __future__ import annotations

import argparse
import socket
import ssl
import time
from typing import IO, TYPE_CHECKING, Any, Optional

from sentry_lite._errors import ConfigurationError, InvalidDsn
from sentry_lite.dsn import Dsn
from sentry_lite.local.check_dsn_answer import (
    EVENTS_ARRIVE,
    INVALID,
    NO_ANSWER,
    Finding,
    send_test_event,
)

if TYPE_CHECKING:
    from sentry_lite.options import Options

__all__ = ["EXIT_CODES", "add_check_dsn_command", "run_check_dsn"]

#: Each exit status of ``sentry-lite check-dsn`` and what it means.
EXIT_CODES: dict[int, str] = {
    0: "events will arrive: the server accepted the test event",
    1: "events will not arrive: the server refused the test event (key, project, size, ...)",
    2: "the DSN cannot be read (or the command line is wrong)",
    3: "events will not arrive for now: the server rate-limits them (the retry time is printed)",
    4: "no answer: name resolution, connection, proxy, TLS or a timeout failed",
}


def run_check_dsn(
    dsn_text: str,
    out: IO[str],
    *,
    timeout: float = 5.0,
    ca_certs: Optional[str] = None,
) -> int:
    # Check ``dsn_text`` step by step, writing each step to ``out``; the exit status.
    #
    # ``timeout`` bounds the connection (and TLS handshake) and the wait for
    # the answer, each; ``ca_certs`` is a CA bundle, as the ``ca_certs`` option.
    report = _Report(out)
    try:
        dsn = Dsn.parse(dsn_text)
    except InvalidDsn as error:
        report.fail("DSN", str(error), "copy the DSN again from the project's Client Keys page")
        return report.verdict(INVALID)
    report.ok("DSN", f"project {dsn.project_id} at {_origin(dsn)}, public key {dsn.public_key}")
    try:
        options = _options(dsn, ca_certs)
    except ConfigurationError as error:
        report.fail("options", str(error), "")
        return report.verdict(INVALID)

    from sentry_lite.transport.pool import choose_proxy

    proxy = choose_proxy(dsn.scheme, dsn.host, options)
    if proxy is not None and proxy.lower().startswith("socks") and not _socks_available():
        report.note(
            f"the SOCKS proxy {_without_password(proxy)} needs PySocks (pip install pysocks);"
            " without it the SDK connects directly, as checked here"
        )
        proxy = None
    host, port = _bare_host(dsn.host), dsn.port or (443 if dsn.scheme == "https" else 80)
    if proxy is not None:
        from urllib3.util import parse_url

        parsed = parse_url(proxy)
        report.ok("proxy", f"{_without_password(proxy)} (the SDK sends through it)")
        host, port = parsed.host or "", parsed.port or (443 if parsed.scheme == "https" else 80)
    finding = _resolve_and_connect(report, host, port, timeout, via_proxy=proxy is not None)
    if finding is not None:
        return report.verdict(finding)
    if dsn.scheme == "https" and proxy is None:
        finding = _check_tls(report, host, port, timeout, ca_certs or options.ca_certs)
        if finding is not None:
            return report.verdict(finding)
    started = time.monotonic()
    answer = send_test_event(dsn, options, timeout)
    elapsed = f"{(time.monotonic() - started) * 1000:.0f} ms"
    if answer.code == EVENTS_ARRIVE:
        report.ok("send", f"{answer.text} ({elapsed})")
    else:
        report.fail("send", answer.text, answer.advice)
    for note in answer.notes:
        report.note(note)
    return report.verdict(answer)


class _Report:
    # Writes each step as ``  ok    name: text`` or ``  FAIL  name: text``, then the verdict.

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def ok(self, step: str, text: str) -> None:
        self._out.write(f"  ok    {step}: {text}\n")

    def fail(self, step: str, text: str, advice: str) -> None:
        self._out.write(f"  FAIL  {step}: {text}\n")
        if advice:
            self._out.write(f"        {advice}\n")

    def note(self, text: str) -> None:
        self._out.write(f"  note  {text}\n")

    def verdict(self, finding: Finding | int) -> int:
        code = finding if isinstance(finding, int) else finding.code
        self._out.write(f"{EXIT_CODES[code][:1].upper()}{EXIT_CODES[code][1:]}. (exit {code})\n")
        self._out.flush()
        return code


def _options(dsn: Dsn, ca_certs: Optional[str]) -> Options:
    from sentry_lite.options import build_options

    given: dict[str, object] = {"default_integrations": False}
    if ca_certs is not None:
        given["ca_certs"] = ca_certs
    return build_options(str(dsn), given)


def _origin(dsn: Dsn) -> str:
    return f"{dsn.scheme}://{dsn.netloc}{dsn.path}"


def _bare_host(host: str) -> str:
    return host[1:-1] if host.startswith("[") else host


def _without_password(url: str) -> str:
    scheme, separator, rest = url.rpartition("://")
    credentials, at, place = rest.rpartition("@")
    if not at:
        return url
    user = credentials.partition(":")[0]
    return f"{scheme}{separator}{user}:***@{place}"


def _socks_available() -> bool:
    # Whether the transport can use a SOCKS proxy (pool.py connects directly if not).
    # Not by importing urllib3.contrib.socks: without PySocks that import warns first.
    import importlib.util

    return importlib.util.find_spec("socks") is not None


def _resolve_and_connect(
    report: _Report, host: str, port: int, timeout: float, *, via_proxy: bool
) -> Finding | None:
    where = (
        "the proxy's address: check http_proxy/https_proxy (options or environment), and"
        " no_proxy for hosts reached directly"
        if via_proxy
        else ""
    )
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        text = getattr(error, "strerror", None) or str(error)
        report.fail(
            "resolve",
            f"cannot resolve {host} (DNS): {text}",
            where or "check the host name in the DSN, the network, and the DNS settings",
        )
        return Finding(NO_ANSWER, "")
    addresses = list(dict.fromkeys(str(entry[4][0]) for entry in found))
    report.ok("resolve", f"{host} is {', '.join(addresses[:4])}")
    failures = []
    for family, kind, proto, _, address in found:
        with socket.socket(family, kind, proto) as sock:
            sock.settimeout(timeout)
            started = time.monotonic()
            try:
                sock.connect(address)
            except OSError as error:
                failures.append(f"{address[0]}: {_connect_failure(error, timeout)}")
                continue
            elapsed = (time.monotonic() - started) * 1000
            report.ok("connect", f"{address[0]} port {port} in {elapsed:.0f} ms")
            return None
    report.fail(
        "connect",
        "; ".join(failures),
        f"the proxy does not answer: {where}"
        if via_proxy
        else "nothing answers on that port: check the port in the DSN, that the server runs,"
        " and firewalls on the way",
    )
    return Finding(NO_ANSWER, "")


def _connect_failure(error: OSError, timeout: float) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (nothing listens there)"
    if isinstance(error, socket.timeout):
        return f"no answer within {timeout:g} s (a firewall may drop the packets)"
    return (error.strerror or str(error)).lower()


def _check_tls(
    report: _Report, host: str, port: int, timeout: float, ca_certs: Optional[str]
) -> Finding | None:
    if ca_certs is None:
        import certifi

        bundle, cafile = "certifi's CA bundle", certifi.where()
    else:
        bundle, cafile = f"the CA bundle {ca_certs}", ca_certs
    context = ssl.create_default_context(cafile=cafile)
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            certificate = tls.getpeercert() or {}
            version = tls.version()
    except socket.timeout:
        report.fail(
            "TLS",
            f"no answer to the TLS handshake within {timeout:g} s",
            "the server took the connection but does not speak TLS back: it may be"
            " overloaded, or something on the way holds the handshake",
        )
        return Finding(NO_ANSWER, "")
    except ssl.SSLCertVerificationError as error:
        report.fail(
            "TLS", f"the certificate is not trusted: {error.verify_message}", _tls_advice(error)
        )
        return Finding(NO_ANSWER, "")
    except ssl.SSLError as error:
        report.fail(
            "TLS",
            f"the TLS handshake failed: {error.reason or error}",
            "does the server speak TLS on this port? An http server needs an http:// DSN",
        )
        return Finding(NO_ANSWER, "")
    except OSError as error:
        report.fail("TLS", f"the connection failed during the handshake: {error}", "")
        return Finding(NO_ANSWER, "")
    expires = certificate.get("notAfter")
    until = f", valid until {expires}" if isinstance(expires, str) else ""
    report.ok("TLS", f"{version}, certificate for {host} trusted by {bundle}{until}")
    return None


def _tls_advice(error: ssl.SSLCertVerificationError) -> str:
    message = (error.verify_message or "").lower()
    if "expired" in message:
        return "the server's certificate has expired: it must be renewed on the server"
    if "hostname" in message or "ip address mismatch" in message:
        return "the certificate is for another name: use the host name it names in the DSN"
    return (
        "a self-signed or private CA's certificate: give its CA bundle with --ca-certs"
        " (ca_certs= in init()); a proxy that inspects TLS needs its CA there too"
    )


def add_check_dsn_command(commands: Any) -> None:
    # Add ``check-dsn`` to the ``sentry-lite`` subcommands (``commands`` is argparse's).
    codes = "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())
    command = commands.add_parser(
        "check-dsn",
        help="check that events sent with a DSN will arrive, and say why not",
        description=(
            "Parse the DSN, resolve its host, connect, check TLS, send one test event"
            " (an info message) and explain the server's answer in plain words."
        ),
        epilog=f"exit status:\n{codes}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("dsn", metavar="DSN", help="the DSN to check")
    command.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how long to wait for the connection and for the answer, each (default: 5)",
    )
    command.add_argument(
        "--ca-certs",
        metavar="FILE",
        help="a CA bundle to trust instead of certifi's (as the ca_certs option)",
    )
    command.set_defaults(runner=_run_from_arguments)


def _run_from_arguments(args: argparse.Namespace) -> int:
    import sys

    return run_check_dsn(args.dsn, sys.stdout, timeout=args.timeout, ca_certs=args.ca_certs)
