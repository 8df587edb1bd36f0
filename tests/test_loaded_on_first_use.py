"""Code most programs never run is loaded when first used, not by ``import`` or ``init()``.

Every module costs memory in every process that loads it (docs/performance.md,
"Footprint"); these wait for the feature that needs them. A web framework's
request handling waits for the first request: tests/web/test_first_request_loads.py.
"""

from __future__ import annotations

import json
from typing import Any

from ports import closed_port
from subprocess_runner import run_script

from sentry_lite.local.receiver import Receiver

LAZY = [
    "sentry_lite.tracing",
    "sentry_lite.attachments",
    "sentry_lite.client._logs",
    "sentry_lite.client._log_wire",
    "sentry_lite.integrations.stdlib._subprocess",
    "sentry_lite.integrations.stdlib._command_line",
    "sentry_lite.transport.trimming",
    "sentry_lite.integrations._uncaught",
    "sentry_lite.client._checkin_items",
    "sentry_lite.client._feedback",
    "sentry_lite.scope._task_scopes",
    "sentry_lite.integrations._thread_scopes",
    "sentry_lite.client._foreign_transports",
    "sentry_lite.logger",
    "sentry_lite.client._session_calls",
    "sentry_lite.integrations.stdlib._http_breadcrumb",
    "dataclasses",
    "inspect",
]

_PROGRAM = """
    import json, sys
    import urllib3  # what urllib3 loads is not the SDK's (on 3.12+: inspect, by importlib.metadata)
    preloaded = set(sys.modules)
    import sentry_lite

    sentry_lite.init({dsn!r}, shutdown_timeout=0, auto_enabling_integrations=False)
    try:
        1 / 0
    except ZeroDivisionError:
        sentry_lite.capture_exception()
    sentry_lite.flush(0.5)
    lazy = {lazy!r}
    report = {{"after_a_capture": [n for n in lazy if n in sys.modules and n not in preloaded]}}

    with sentry_lite.start_span(op="task"):
        pass
    sentry_lite.add_attachment(bytes=b"data", filename="a.txt")
    attachment = sentry_lite.Attachment(bytes=b"x", filename="b.txt")
    import subprocess, threading
    def crash():
        raise ValueError("in a thread")
    thread = threading.Thread(target=crash)
    thread.start()
    thread.join()
    sentry_lite.get_client().capture_checkin(monitor_slug="nightly", status="ok")
    sentry_lite.capture_feedback("it broke")
    class Forwarder:  # a transport that is not ours
        def capture_envelope(self, envelope):
            pass
    sentry_lite.Client(transport=Forwarder()).close()
    sentry_lite.logger.info("not sent: enable_logs is off")
    import http.client  # a request of the program's own (the port is closed)
    port = int({dsn!r}.rsplit(":", 1)[1].split("/")[0])
    try:
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/health")
    except OSError:
        pass
    # A release: release health.
    sentry_lite.init({dsn!r}, release="app@1", shutdown_timeout=0, auto_enabling_integrations=False)
    import asyncio  # a task's scopes on its exception: loaded with asyncio, before any task
    report["task_scopes_with_asyncio"] = "sentry_lite.scope._task_scopes" in sys.modules
    report["popen_patched"] = "sentry_lite" in subprocess.Popen.__init__.__module__
    try:
        1 / 0
    except ZeroDivisionError:
        sentry_lite.capture_exception()
    report["after_importing_subprocess"] = [
        n for n in lazy if n in sys.modules and n not in preloaded
        and ("_subprocess" in n or "_command_line" in n)
    ]
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    report["after_use"] = [n for n in lazy if n in sys.modules and n not in preloaded]
    print(json.dumps(report))
"""


def test_a_capture_loads_none_of_them_and_using_each_loads_it():
    dsn = f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1"
    result = run_script(_PROGRAM.format(dsn=dsn, lazy=LAZY))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    assert report["after_a_capture"] == []
    assert report["popen_patched"] is True
    # The Popen hook is installed; its breadcrumb code waits for the first command.
    assert report["after_importing_subprocess"] == []
    assert report["task_scopes_with_asyncio"] is True
    assert {
        "sentry_lite.tracing",
        "sentry_lite.attachments",
        "sentry_lite.integrations.stdlib._subprocess",
        "sentry_lite.integrations.stdlib._command_line",
        "sentry_lite.integrations._uncaught",
        "sentry_lite.client._checkin_items",
        "sentry_lite.client._feedback",
        "sentry_lite.scope._task_scopes",
        "sentry_lite.integrations._thread_scopes",
        "sentry_lite.client._foreign_transports",
        "sentry_lite.logger",
        "sentry_lite.client._session_calls",
        "sentry_lite.integrations.stdlib._http_breadcrumb",
    } <= set(report["after_use"])


def test_enable_logs_loads_the_logs_pipeline():
    dsn = f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1"
    result = run_script(
        f"""
        import json, sys
        import sentry_lite
        sentry_lite.init({dsn!r}, shutdown_timeout=0, enable_logs=True)
        sentry_lite.logger.info("hello {{name}}", name="there")
        print(json.dumps("sentry_lite.client._logs" in sys.modules))
        """
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) is True


# The transport's code for what a healthy send never meets: closing, a failure,
# a rate limit, a redirect, a masked value. Each program sends one event to a
# healthy receiver first.
TRANSPORT_LAZY = [
    "sentry_lite.transport.closing",
    "sentry_lite.transport.failures",
    "sentry_lite.transport.ratelimit_headers",
    "sentry_lite.transport.redirects",
    "sentry_lite.transport.remarks",
]

_SEND_THEN = """
    import json, sys
    import urllib3
    preloaded = set(sys.modules)
    import sentry_lite

    lazy = {lazy!r}
    def loaded():
        return [n for n in lazy if n in sys.modules and n not in preloaded]

    def send_one():
        # The frame's context lines go with the event: the program's later
        # lines (a masked value) are more than five lines away.
        try:
            1 / 0
        except ZeroDivisionError:
            sentry_lite.capture_exception()

    sentry_lite.init({dsn!r}, shutdown_timeout=5, auto_enabling_integrations=False)
    send_one()
    report = {{"flushed": sentry_lite.get_client().flush(10), "after_a_send": loaded()}}
    {then}
    report["after_use"] = loaded()
    report["stats"] = {{"sent": sentry_lite.delivery_stats().sent,
                       "dropped": sorted(map(list, sentry_lite.delivery_stats().dropped))}}
    print(json.dumps(report))
"""


def run_send_then(receiver: Receiver, then: str) -> dict[str, Any]:
    program = _SEND_THEN.format(dsn=receiver.dsn, lazy=TRANSPORT_LAZY, then=then)
    result = run_script(program)
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["flushed"] is True
    assert report["after_a_send"] == []
    return report


def test_closing_is_loaded_by_the_first_close_and_delivers(receiver: Receiver) -> None:
    report = run_send_then(
        receiver,
        """
    sentry_lite.capture_message("queued at close")
    sentry_lite.get_client().close(5)
    """,
    )

    assert report["after_use"] == ["sentry_lite.transport.closing"]
    assert report["stats"]["sent"] == 2
    assert {event.get("message") for event in receiver.wait_for_events(2)} >= {"queued at close"}


def test_a_failure_in_words_is_loaded_by_the_first_failure(receiver: Receiver) -> None:
    dead = f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1"
    report = run_send_then(
        receiver,
        f"""
    sentry_lite.init({dead!r}, max_retry_age=0, auto_enabling_integrations=False)
    sentry_lite.capture_message("nobody answers")
    sentry_lite.flush(5)
    report["failure"] = sentry_lite.get_client().transport._offline.probing.last_failure
    """,
    )

    assert "sentry_lite.transport.failures" in report["after_use"]
    assert report["failure"].startswith("connection refused to 127.0.0.1:")
    assert report["stats"]["dropped"] == [["network_error", "error"]]


def test_rate_limit_headers_are_read_by_the_first_answer_that_has_them(
    receiver: Receiver,
) -> None:
    with Receiver() as limiting:
        limiting.respond_with(429, {"X-Sentry-Rate-Limits": "60:error:key"})
        report = run_send_then(
            receiver,
            f"""
    sentry_lite.init({limiting.dsn!r}, auto_enabling_integrations=False)
    sentry_lite.capture_message("limited by the answer")
    sentry_lite.flush(5)
    sentry_lite.capture_message("held back")
    sentry_lite.flush(5)
    """,
        )
        # "held back" never left; what did is the first message (and the session's update at exit)
        assert [event.get("message") for event in limiting.events] == ["limited by the answer"]

    assert "sentry_lite.transport.ratelimit_headers" in report["after_use"]
    assert report["stats"]["dropped"] == [
        ["ratelimit_backoff", "error"],
        ["server_rate_limited", "error"],
    ]


def test_redirects_are_loaded_by_the_first_redirect_and_followed(receiver: Receiver) -> None:
    port = receiver.dsn.rsplit(":", 1)[1].split("/", 1)[0]
    with Receiver() as moved:
        moved.respond_with(308, {"Location": f"http://127.0.0.1:{port}/api/1/envelope/"})
        report = run_send_then(
            receiver,
            f"""
    sentry_lite.init({moved.dsn!r}, auto_enabling_integrations=False)
    sentry_lite.capture_message("redirected")
    sentry_lite.flush(5)
    """,
        )

    assert "sentry_lite.transport.redirects" in report["after_use"]
    assert report["stats"]["dropped"] == []
    messages = {event.get("message") for event in receiver.wait_for_events(2)}
    assert "redirected" in messages


def test_remarks_are_loaded_by_the_first_event_with_a_masked_value(receiver: Receiver) -> None:
    report = run_send_then(
        receiver,
        """
    sentry_lite.capture_message("masked", extras={"password": "hunter2"})
    sentry_lite.flush(5)
    """,
    )

    assert report["after_use"] == ["sentry_lite.transport.remarks"]
    masked = next(e for e in receiver.wait_for_events(2) if e.get("message") == "masked")
    assert masked["extra"]["password"] == "[Filtered]"
    assert masked["_meta"]["extra"]["password"] == {"": {"rem": [["!config", "s"]]}}
