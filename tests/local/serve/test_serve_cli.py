"""``sentry-lite serve`` as a person runs it: the DSN and token printed, events stored, Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request

import pytest
from subprocess_runner import run_script

from sentry_lite.local.cli import main

PROGRAM = """
import sentry_lite
sentry_lite.init(release="cli@1")
sentry_lite.capture_message("from a program")
sentry_lite.flush()
"""


def _start(tmp_path, *options):
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sentry_lite.local.cli",
            "serve",
            "--port",
            "0",
            "--db",
            str(tmp_path / "cli.db"),
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Token"):
            break
    return process, "".join(lines)


def _stopped(process):
    """Its output once it ends; killed (and the test failed) if Ctrl-C did not end it."""
    try:
        return process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("serve did not stop on Ctrl-C within 20 s")


def test_serve_prints_the_dsn_and_token_stores_events_and_stops_on_ctrl_c(tmp_path):
    process, banner = _start(tmp_path)
    try:
        dsn = re.search(r"SENTRY_DSN=(\S+)", banner)[1]
        url = re.search(r"open (http://\S+)/ in a browser", banner)[1]
        assert re.search(r"Token to delete issues in the pages: \S{16,}", banner)
        assert "WARNING" not in banner
        assert run_script(PROGRAM, dsn).returncode == 0
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url + "/", timeout=10) as page:
            assert "from a program" in page.read().decode()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = _stopped(process)
    assert process.returncode == 0, err
    assert "Stopped." in out


def test_listening_beyond_this_machine_is_warned_about(tmp_path):
    process, banner = _start(tmp_path, "--host", "0.0.0.0")
    process.send_signal(signal.SIGINT)
    _stopped(process)
    assert "WARNING: listening on 0.0.0.0, not 127.0.0.1" in banner
    assert "@127.0.0.1:" in re.search(r"SENTRY_DSN=(\S+)", banner)[1]


def test_an_invalid_forward_dsn_is_a_usage_error(capsys, tmp_path):
    assert main(["serve", "--db", str(tmp_path / "x.db"), "--forward", "not a dsn"]) == 2
    assert "--forward" in capsys.readouterr().err


def test_a_port_in_use_is_exit_status_1(capsys, tmp_path, inspector):
    status = main(["serve", "--port", str(inspector.port), "--db", str(tmp_path / "y.db")])
    assert status == 1
    assert "cannot start on 127.0.0.1" in capsys.readouterr().err
