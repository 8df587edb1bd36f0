"""Code most programs never run is loaded when first used, not by ``import`` or ``init()``.

Every module costs memory in every process that loads it (docs/performance.md,
"Footprint"); these wait for the feature that needs them.
"""

from __future__ import annotations

import json

from ports import closed_port
from subprocess_runner import run_script

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
    assert report["task_scopes_with_asyncio"] is True
    assert {
        "sentry_lite.tracing",
        "sentry_lite.attachments",
        "sentry_lite.integrations.stdlib._subprocess",
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
