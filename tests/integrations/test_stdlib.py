"""The stdlib integration: breadcrumbs for http.client requests and subprocess commands."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from integration_helpers import breadcrumbs, http_server
from subprocess_runner import run_script

import sentry_lite
from sentry_lite.integrations.stdlib import StdlibIntegration
from sentry_lite.scrubber import EventScrubber
from sentry_lite.transport.worker import Worker


def last_event(receiver):
    sentry_lite.capture_message("last")
    sentry_lite.flush(5)
    events = receiver.wait_for_events(1)
    time.sleep(0.05)
    assert len(receiver.events) == 1
    return events[-1]


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_an_http_request_is_a_breadcrumb_with_method_url_and_status(sentry_init, receiver):
    sentry_init()
    with http_server() as port:
        assert get(port, "/status/200?sort=asc&page=2#top") == 200
        assert get(port, "/status/404") == 404
        assert get(port, "/status/503") == 503
    crumbs = breadcrumbs(last_event(receiver), "httplib")
    assert [crumb["data"]["status_code"] for crumb in crumbs] == [200, 404, 503]
    assert [crumb["level"] for crumb in crumbs] == ["info", "warning", "error"]
    first = crumbs[0]
    assert first["type"] == "http"
    assert first["data"]["method"] == "GET"
    assert first["data"]["url"] == f"http://127.0.0.1:{port}/status/200"
    assert first["data"]["http.query"] == "sort=asc&page=2"
    assert first["data"]["http.fragment"] == "top"
    assert first["data"]["reason"] == "OK"


def test_credentials_in_an_absolute_url_never_reach_the_breadcrumb(sentry_init, receiver):
    sentry_init()
    with http_server() as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", f"http://alice:s3cret@127.0.0.1:{port}/status/200")
        connection.getresponse().read()
        connection.close()
    [crumb] = breadcrumbs(last_event(receiver), "httplib")
    assert crumb["data"]["url"] == f"http://127.0.0.1:{port}/status/200"
    assert "s3cret" not in str(crumb)


def test_urllib_goes_through_http_client_too(sentry_init, receiver):
    sentry_init()
    with http_server() as port:
        url = f"http://127.0.0.1:{port}/status/200"
        with urllib.request.urlopen(url, timeout=5) as answer:
            answer.read()
    [crumb] = breadcrumbs(last_event(receiver), "httplib")
    assert crumb["data"]["url"] == f"http://127.0.0.1:{port}/status/200"


def test_a_request_without_an_answer_is_an_error_breadcrumb(sentry_init, receiver):
    sentry_init()
    with http_server() as port, pytest.raises(http.client.RemoteDisconnected):
        get(port, "/hangup")
    [crumb] = breadcrumbs(last_event(receiver), "httplib")
    assert crumb["level"] == "error"
    assert crumb["data"]["error"] == "RemoteDisconnected"
    assert "status_code" not in crumb["data"]


def test_the_sdks_own_requests_are_not_recorded(sentry_init, receiver):
    sentry_init()
    for index in range(3):
        sentry_lite.capture_message(f"sent by the worker {index}")
    sentry_lite.flush(5)
    receiver.wait_for_events(3)
    # The envelope endpoint, even from the program's own thread:
    connection = http.client.HTTPConnection(receiver.host, receiver.port, timeout=5)
    connection.request("POST", f"/api/{receiver.project_id}/envelope/", body=b"{}")
    connection.getresponse().read()
    connection.close()
    receiver.clear()
    assert breadcrumbs(last_event(receiver), "httplib") == []


def test_requests_on_an_sdk_worker_thread_are_not_recorded(sentry_init, receiver):
    sentry_init()
    worker = Worker(10, name="test-worker")
    done = threading.Event()
    seen: list[object] = []

    def request_then_look():
        get(port, "/status/200")
        # A worker thread never captures (sentry_lite/_reentry.py): look at its scope.
        seen.append(sentry_lite.capture_message("on the worker"))
        seen.extend(sentry_lite.get_isolation_scope()._breadcrumbs)
        done.set()

    with http_server() as port:
        assert worker.submit(request_then_look)
        assert done.wait(5)
        get(port, "/status/200")  # the same request on the test's thread is recorded
    worker.kill()
    assert seen == [None]
    sentry_lite.capture_message("on the test thread")
    [event] = receiver.wait_for_events(1)
    assert len(breadcrumbs(event, "httplib")) == 1


def test_a_subprocess_is_a_breadcrumb_with_its_command_masked(sentry_init, receiver, tmp_path):
    sentry_init()
    process = subprocess.Popen(
        [sys.executable, "-c", "pass", "https://deploy:t0ken@git.example.com/repo.git"],
        cwd=tmp_path,
    )
    process.wait()
    [crumb] = breadcrumbs(last_event(receiver), "subprocess")
    assert crumb["type"] == "subprocess"
    assert crumb["message"] == (
        f"{sys.executable} -c pass https://[Filtered]@git.example.com/repo.git"
    )
    assert crumb["data"] == {"subprocess.cwd": str(tmp_path), "subprocess.pid": process.pid}


def test_a_command_that_cannot_start_is_an_error_breadcrumb(sentry_init, receiver):
    sentry_init()
    with pytest.raises(FileNotFoundError):
        subprocess.run(["/nonexistent/tool", "--flag"], check=False)
    [crumb] = breadcrumbs(last_event(receiver), "subprocess")
    assert crumb["message"] == "/nonexistent/tool --flag"
    assert crumb["level"] == "error"
    assert crumb["data"]["error"] == "FileNotFoundError"


def test_a_shell_command_string_is_kept_as_it_is(sentry_init, receiver):
    sentry_init()
    subprocess.run("exit 0", shell=True, check=True)
    [crumb] = breadcrumbs(last_event(receiver), "subprocess")
    assert crumb["message"] == "exit 0"


def test_the_value_after_a_sensitive_flag_is_masked(sentry_init, receiver):
    sentry_init()
    subprocess.run(
        [sys.executable, "-c", "pass", "--password", "pw123", "--api-key=k3y-v4lue", "--verbose"],
        check=True,
    )
    [crumb] = breadcrumbs(last_event(receiver), "subprocess")
    assert crumb["message"] == (
        f"{sys.executable} -c pass --password [Filtered] --api-key=[Filtered] --verbose"
    )


def test_a_shell_command_line_is_masked_word_by_word(sentry_init, receiver):
    sentry_init()
    subprocess.run(
        ": --password 'pw 123' --token=tok123456 -v --secret \"a b\" end", shell=True, check=True
    )
    [crumb] = breadcrumbs(last_event(receiver), "subprocess")
    assert (
        crumb["message"] == ": --password [Filtered] --token=[Filtered] -v --secret [Filtered] end"
    )


def test_a_command_line_inside_one_argument_is_masked_too(sentry_init, receiver):
    sentry_init()
    subprocess.run(["sh", "-c", "test -n x --passphrase hunter2 && :"], check=False)
    [crumb] = breadcrumbs(last_event(receiver), "subprocess")
    assert crumb["message"] == "sh -c test -n x --passphrase [Filtered] && :"


def test_the_breadcrumb_is_masked_before_before_breadcrumb_sees_it(sentry_init, receiver):
    seen = []
    sentry_init(before_breadcrumb=lambda crumb, hint: seen.append(crumb["message"]) or crumb)
    subprocess.run([sys.executable, "-c", "pass", "--password", "pw123"], check=True)
    assert seen == [f"{sys.executable} -c pass --password [Filtered]"]


def test_the_rules_are_the_clients_scrubbers(sentry_init, receiver):
    sentry_init(event_scrubber={"extra_denylist": ["db_host"]})
    subprocess.run([sys.executable, "-c", "pass", "--db-host", "prod-db-7"], check=True)
    [crumb] = breadcrumbs(last_event(receiver), "subprocess")
    assert crumb["message"] == f"{sys.executable} -c pass --db-host [Filtered]"


def test_a_command_line_is_masked_exactly_as_sys_argv_is(receiver):
    arguments = [
        "--password", "pw123", "--db-password=s3cr3t-value", "-p", "short", "--api-key",
        "k", "https://deploy:t0ken@git.example.com/x", "--user", "ada", "--token",
    ]  # fmt: skip
    result = run_script(
        """
        import subprocess, sys
        import sentry_lite
        sentry_lite.init()
        subprocess.run([sys.executable, "-c", "pass", *sys.argv[1:]], check=True)
        sentry_lite.capture_message("ran")
        """,
        receiver.dsn,
        args=arguments,
    )
    assert result.returncode == 0, result.stderr
    [event] = receiver.wait_for_events(1)
    [crumb] = breadcrumbs(event, "subprocess")
    masked_argv = event["extra"]["sys.argv"]
    assert masked_argv[masked_argv.index("--password") + 1] == "[Filtered]"
    assert crumb["message"] == " ".join([sys.executable, "-c", "pass", *masked_argv[1:]])


@pytest.mark.parametrize("failure", ["exit status", "timeout"])
def test_a_failed_commands_secrets_are_masked_in_its_error_event(sentry_init, receiver, failure):
    sentry_init()
    code = "import sys; sys.exit(3)" if failure == "exit status" else "import time; time.sleep(60)"
    command = [sys.executable, "-c", code, "--password", "pw-1234", "--token", "tok 5678"]
    # The exit status case has all the time a loaded machine needs to start Python.
    timeout = 60.0 if failure == "exit status" else 0.5
    try:
        subprocess.run(command, check=True, timeout=timeout)
    except subprocess.SubprocessError as error:
        wrapped = RuntimeError(f"deploy failed: {error}")
        try:
            raise wrapped from error
        except RuntimeError:
            sentry_lite.capture_exception()
    sentry_lite.flush(5)
    [event] = receiver.wait_for_events(1)
    text = json.dumps(event)
    assert "pw-1234" not in text
    assert "tok 5678" not in text
    error, wrapper = event["exception"]["values"]
    assert "'--password', '[Filtered]', '--token', '[Filtered]'" in error["value"]
    assert error["type"] == ("CalledProcessError" if failure == "exit status" else "TimeoutExpired")
    assert "'--password', '[Filtered]'" in wrapper["value"]
    run_frame = next(f for f in error["stacktrace"]["frames"] if f["function"] == "run")
    # The walk masks the list element itself (the same rule as sys.argv).
    assert '"[Filtered]"' in json.dumps(run_frame["vars"])


def test_an_error_event_without_a_failed_command_is_left_alone(sentry_init, receiver):
    sentry_init()
    message = "--password pw123 in a message is the value patterns' business"
    try:
        raise ValueError(message)
    except ValueError:
        sentry_lite.capture_exception()
    sentry_lite.flush(5)
    [event] = receiver.wait_for_events(1)
    # Only what the value patterns do to any text (issue 14: "--password x" is masked).
    assert event["exception"]["values"][0]["value"] == EventScrubber().scrub_text(message)


def test_disabled_it_records_nothing(sentry_init, receiver):
    sentry_init(disabled_integrations=[StdlibIntegration])
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    with http_server() as port:
        get(port, "/status/200")
    assert breadcrumbs(last_event(receiver)) == []


@pytest.fixture
def server_port():
    with http_server() as port:
        yield port


def test_modules_imported_after_init_are_patched_and_init_stays_light(receiver, server_port):
    result = run_script(
        """
        import sys
        import sentry_lite
        lazy = ("http.client", "subprocess", "concurrent.futures.thread", "importlib.metadata")
        before = {name for name in lazy if name in sys.modules}  # uuid imports subprocess < 3.11
        sentry_lite.init()
        print("imported at init:", [n for n in lazy if n in sys.modules and n not in before])

        import subprocess
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        import http.client
        connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
        connection.request("GET", "/status/204")
        connection.getresponse().read()
        print("loader:", type(http.client.__loader__).__name__)
        sentry_lite.capture_message("done")
        """,
        receiver.dsn,
        args=[str(server_port)],
    )
    assert result.returncode == 0, result.stderr
    assert "imported at init: []" in result.stdout
    assert "loader: SourceFileLoader" in result.stdout
    [event] = receiver.wait_for_events(1)
    assert [crumb["category"] for crumb in breadcrumbs(event)] == ["subprocess", "httplib"]
    assert breadcrumbs(event, "httplib")[0]["data"]["status_code"] == 204
