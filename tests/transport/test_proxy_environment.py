"""Proxy settings from the environment, read without urllib.request (POSIX but macOS).

The rules are urllib.request's (getproxies_environment, proxy_bypass_environment):
each case is checked against it, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentry_lite.transport.pool import bypasses_proxy, proxies_from_environment

ENVIRONMENTS = [
    {},
    {"http_proxy": "http://a:1"},
    {"HTTP_PROXY": "http://upper:1"},
    {"HTTP_PROXY": "http://upper:1", "http_proxy": "http://lower:2"},
    {"HTTP_PROXY": "http://upper:1", "http_proxy": ""},
    {"HTTPS_proxy": "http://mixed:3", "HTTPS_PROXY": "http://upper:4"},
    {"HTTP_PROXY": "http://upper:1", "REQUEST_METHOD": "GET"},
    {"http_proxy": "http://lower:2", "REQUEST_METHOD": "GET"},
    {"Https_Proxy": "http://odd:5", "no_proxy": "example.com"},
    {"NO_PROXY": "*", "https_proxy": "http://s:6"},
    {"PROXY": "http://not-a-scheme:7", "x_proxy": "http://x:8"},
]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_proxies_are_read_as_urllib_reads_them(environment):
    with mock.patch.dict(os.environ, environment, clear=True):
        expected = urllib.request.getproxies_environment()
    assert proxies_from_environment(environment) == expected


HOSTS = ["sentry.io", "o1.ingest.sentry.io", "SENTRY.IO", "127.0.0.1", "127.0.0.1:9000", "::1"]
NO_PROXY = [
    None,
    "",
    "*",
    "sentry.io",
    ".sentry.io",
    "ingest.sentry.io, localhost",
    "io",
    "entry.io",
    "127.0.0.1",
    "127.0.0.1:9000",
    " , ,Sentry.IO",
    "::1",
]


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("no_proxy", NO_PROXY)
def test_no_proxy_is_matched_as_urllib_matches_it(host, no_proxy):
    proxies = {} if no_proxy is None else {"no": no_proxy}
    expected = urllib.request.proxy_bypass_environment(host, proxies)
    assert bypasses_proxy(host, no_proxy) == expected


NAMES = st.sampled_from(
    [
        *("http_proxy", "HTTP_PROXY", "Http_Proxy", "https_proxy", "HTTPS_proxy"),
        *("no_proxy", "NO_PROXY", "REQUEST_METHOD", "PATH"),
    ]
)


@given(st.dictionaries(NAMES, st.sampled_from(["", "http://p:1", "http://q:2"])))
def test_any_environment_gives_what_urllib_gives(environment):
    with mock.patch.dict(os.environ, environment, clear=True):
        expected = urllib.request.getproxies_environment()
    assert proxies_from_environment(environment) == expected


LABELS = st.sampled_from(["a", "b", "sentry", "io", "1", "9000"])
HOST = st.lists(LABELS, min_size=1, max_size=3).map(".".join)


@given(HOST, st.lists(st.sampled_from(["", " ", "."]) | HOST, max_size=3).map(",".join))
def test_any_no_proxy_matches_as_urllib_matches(host, no_proxy):
    expected = urllib.request.proxy_bypass_environment(host, {"no": no_proxy})
    assert bypasses_proxy(host, no_proxy) == expected


@pytest.mark.skipif(
    sys.platform in ("darwin", "win32"), reason="there urllib.request reads the system settings"
)
def test_sending_does_not_load_urllib_request(receiver):
    program = (
        "import sys, sentry_lite\n"
        f"sentry_lite.init({receiver.dsn!r})\n"
        "sentry_lite.capture_message('proxy check')\n"
        "sentry_lite.flush(5)\n"
        "print('urllib.request' in sys.modules)\n"
    )
    environment = {**os.environ, "http_proxy": "", "no_proxy": "127.0.0.1"}
    completed = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "False"
    assert len(receiver.wait_for_events(1)) == 1
