"""One benchmark case in a fresh interpreter: ``python _cases.py SDK CASE DSN``.

SDK is ``lite`` (sentry_lite), ``sdk`` (sentry_sdk), ``none`` (no SDK: the
floor) or ``lite-noscrub`` (sentry_lite with scrubbing off). Prints one JSON
object. Both SDKs run with their defaults, as a user gets them, plus a
NullHandler on the root logger so logging has a handler in every variant.
Cases that send events say how many they ``captured`` (warm-up included);
the driver compares that with what the sink received for the run's DSN.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import statistics
import sys
import time
import tracemalloc
import urllib.request
from collections.abc import Callable
from typing import Any

# ruff: noqa: F841 -- the locals exist to be captured

SHUTDOWN_TIMEOUT = 2.0


def load(sdk: str, dsn: str, **options: Any) -> Any:
    logging.getLogger().addHandler(logging.NullHandler())
    logging.getLogger().setLevel(logging.INFO)
    if sdk == "none":
        return None
    if sdk.startswith("lite"):
        import sentry_lite as module

        if sdk == "lite-noscrub":
            options["event_scrubber"] = _NoScrubbing()
    else:
        import sentry_sdk as module
    module.init(dsn, shutdown_timeout=SHUTDOWN_TIMEOUT, **options)
    return module


class _NoScrubbing:
    """An ``event_scrubber`` that scrubs nothing: neither the walk nor step 4 scrub."""

    def scrub_event(self, event: object) -> None:
        return None


def deep_failure(depth: int) -> None:
    """Raise from ``depth`` frames down, each frame holding 10 ordinary locals."""
    number = depth
    ratio = depth / 3
    name = f"frame-{depth}"
    flag = depth % 2 == 0
    items = list(range(20))
    mapping = {"depth": depth, "name": name, "nested": {"a": [1, 2, 3]}}
    text = "lorem ipsum dolor sit amet " * 4
    empty = None
    pair = (depth, name)
    numbers = {1.5, 2.5}
    if depth <= 1:
        raise ValueError(f"failed at depth {depth}")
    deep_failure(depth - 1)


_HUGE: dict[str, Any] = {}


def huge_locals_failure() -> None:
    """deep_failure(20) below a frame holding a 10-million-element list and a 50 MB string.

    Both are made once per process: making them takes far longer than any
    capture, and it is the capture that is timed.
    """
    if not _HUGE:
        _HUGE["list"] = list(range(10_000_000))
        _HUGE["string"] = "x" * 50_000_000
    big_list = _HUGE["list"]
    big_string = _HUGE["string"]
    deep_failure(20)


def time_calls(call: Callable[[int], object], count: int, warmup: int = 20) -> list[float]:
    for index in range(warmup):
        call(index)
    timings = []
    for index in range(count):
        began = time.perf_counter()
        call(index)
        timings.append(time.perf_counter() - began)
    return timings


def summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "median_us": statistics.median(ordered) * 1e6,
        "p99_us": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e6,
    }


def capture_failure(module: Any, depth: int = 20, failing: Callable[..., None] = deep_failure):
    """A call that raises ``depth`` frames deep and captures; only the capture is timed."""

    def call(_: int) -> float:
        try:
            failing(depth) if failing is deep_failure else failing()
        except ValueError:
            began = time.perf_counter()
            if module is not None:
                module.capture_exception()
            return time.perf_counter() - began
        return 0.0

    return call


WARMUP = 10


def timed_captures(
    call: Callable[[int], float], count: int, module: Any, flush_every: int = 50
) -> list[float]:
    """``WARMUP + count`` calls; the timings of the last ``count``."""
    for index in range(WARMUP):
        call(index)
    timings = []
    for index in range(count):
        timings.append(call(index))
        if module is not None and flush_every and index % flush_every == flush_every - 1:
            module.flush(10)  # keep the queue from overflowing: both SDKs send everything
    return timings


def captures(result: dict[str, Any], count: int) -> dict[str, Any]:
    """``result`` with the number of events the run captured (warm-up included)."""
    return {**result, "captured": WARMUP + count}


def sink_count(dsn: str) -> int:
    """Events the sink received for this DSN's project (this run's only)."""
    host, project = dsn.split("@", 1)[1].rsplit("/", 1)
    with urllib.request.urlopen(f"http://{host}/count/{project}", timeout=5) as response:
        return int(json.loads(response.read())["events"])


def rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def run(sdk: str, case: str, dsn: str) -> dict[str, Any]:
    if case == "import":
        began = time.perf_counter()
        if sdk == "lite":
            import sentry_lite  # noqa: F401
        elif sdk == "sdk":
            import sentry_sdk  # noqa: F401
        return {"ms": (time.perf_counter() - began) * 1e3}

    if case == "init":
        if sdk != "none":
            __import__("sentry_lite" if sdk == "lite" else "sentry_sdk")
        began = time.perf_counter()
        load(sdk, dsn)
        return {"ms": (time.perf_counter() - began) * 1e3}

    if case == "logger_info":  # structured logs: the caller's cost of one log call
        module = load(sdk, dsn, enable_logs=True)
        call = (
            (lambda i: module.logger.info("user {id} paid", id=i, attributes={"shop": "acme"}))
            if module
            else (lambda i: None)
        )
        result = summary(time_calls(call, 5000))
        if module is not None:
            module.flush(10)
        return result

    if case == "logging_info_log":  # a logging.info record forwarded as a structured log
        module = load(sdk, dsn, enable_logs=True)
        forwarded = logging.getLogger("bench.app")
        result = summary(time_calls(lambda i: forwarded.info("user %s paid", i), 5000))
        if module is not None:
            module.flush(10)
        return result

    module = load(sdk, dsn)
    logger = logging.getLogger("bench.app")

    if case == "capture_exception":
        return captures(summary(timed_captures(capture_failure(module), 300, module)), 300)
    if case == "capture_exception_huge_locals":
        failing = capture_failure(module, 0, huge_locals_failure)
        return captures(summary(timed_captures(failing, 30, module)), 30)
    if case == "capture_message":
        call = (lambda i: module.capture_message(f"message {i}")) if module else (lambda i: None)
        return captures(summary(timed_captures(_timed(call), 500, module)), 500)
    if case == "logging_error":
        log_error = _timed(lambda i: logger.error("order %s failed", i))
        return captures(summary(timed_captures(log_error, 500, module)), 500)
    if case == "logging_breadcrumb":
        return summary(time_calls(lambda i: logger.info("step %s done", i), 5000))
    if case == "add_breadcrumb":
        call = (
            (lambda i: module.add_breadcrumb(category="app", message=f"step {i}"))
            if module
            else (lambda i: None)
        )
        return summary(time_calls(call, 5000))

    if case == "throughput":
        total = 2000
        began = time.perf_counter()
        for batch in range(total // 100):
            for index in range(100):
                module.capture_message(f"throughput {batch}-{index}")
            module.flush(30)
        deadline = time.monotonic() + 60
        while sink_count(dsn) < total and time.monotonic() < deadline:
            time.sleep(0.01)
        elapsed = time.perf_counter() - began
        delivered = sink_count(dsn)
        return {"events_per_s": delivered / elapsed, "delivered": delivered, "captured": total}

    if case in ("web_flask", "web_fastapi", "web_django"):
        return web_requests(module, case.removeprefix("web_"))

    if case in ("memory", "memory_dead_server"):
        return memory_growth(sdk, module, flush_every=50 if case == "memory" else 0)

    if case in ("dead_server", "hung_server"):
        timings = []
        for index in range(50):
            began = time.perf_counter()
            module.capture_message(f"unreachable {index}")
            timings.append(time.perf_counter() - began)
        result = summary(timings)
        result["done_at"] = time.time()  # the driver measures exit time from here
        return result

    raise SystemExit(f"unknown case {case!r}")


def memory_growth(sdk: str, module: Any, flush_every: int) -> dict[str, Any]:
    """RSS growth over 10,000 captures, then tracemalloc growth over 10,000 more.

    RSS is read without tracemalloc running: its own record of every live
    block would count as growth. ``flush_every=0`` (a dead server): nothing
    is flushed (each flush would wait for retries), so the SDK's queue must
    stay bounded by dropping. With a full queue, tracemalloc counts the
    events that replace queued ones as growth (the ones they replace were
    allocated before it started): the growth over the second 5,000 is what
    says whether anything grows without bound.
    """
    capture = capture_failure(module, 3)

    def captures(count: int) -> None:
        # Timings are not kept: 10,000 floats in a list would be growth too.
        for index in range(count):
            capture(index)
            if module is not None and flush_every and index % flush_every == flush_every - 1:
                module.flush(10)

    def settle() -> None:
        if module is not None and flush_every:
            module.flush(30)
        gc.collect()

    captures(WARMUP + 200)
    settle()
    if module is not None and not flush_every:
        # Give the worker its first attempts now: what it imports for its
        # first send (urllib3, ssl: megabytes) is not growth from captures.
        module.flush(2)
    rss_before = rss_kb()
    captures(10_000)
    settle()
    result: dict[str, Any] = {"rss_growth_kb": rss_kb() - rss_before}
    tracemalloc.start()
    gc.collect()
    traced_before = tracemalloc.get_traced_memory()[0]
    captures(5_000)
    gc.collect()
    traced_half = tracemalloc.get_traced_memory()[0]
    captures(5_000)
    settle()
    traced_after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    result["traced_growth_kb"] = (traced_after - traced_before) / 1024
    # Growth over the second 5,000 alone: ~0 when nothing grows without bound.
    result["traced_second_half_kb"] = (traced_after - traced_half) / 1024
    if flush_every:
        result["captured"] = WARMUP + 20_200
    if sdk.startswith("lite"):
        from sentry_lite import delivery_stats

        stats = delivery_stats()
        result["lite_queued"] = stats.queued
        result["lite_dropped"] = stats.dropped_total
    return result


def _timed(call: Callable[[int], object]) -> Callable[[int], float]:
    def timed(index: int) -> float:
        began = time.perf_counter()
        call(index)
        return time.perf_counter() - began

    return timed


WEB_REQUESTS = 300
WEB_CHECKED = 5


def web_requests(module: Any, framework: str) -> dict[str, Any]:
    """Error requests (each a 500) through a Flask, FastAPI or Django app, called as its
    server would.

    The app is made after ``init()``; each request runs the whole app: routing,
    the view raising, the framework's 500, the SDK's event. Timed: the request
    only (the flushes every 50 are not). Then ``WEB_CHECKED`` more requests,
    untimed, with an event processor that counts events carrying request data.
    """
    if framework == "django":
        from _django_case import django_request

        one_request = django_request()
    else:
        one_request = _flask_request() if framework == "flask" else _fastapi_request()
    timings = timed_captures(_timed(lambda i: one_request()), WEB_REQUESTS, module)
    result = captures(summary(timings), WEB_REQUESTS + WEB_CHECKED)
    if module is None:
        return result
    with_request = []

    def count_request_data(event: Any, hint: Any) -> Any:
        request = event.get("request") or {}
        if request.get("url", "").endswith("/items/3") and request.get("headers"):
            with_request.append(True)
        return event

    # On the current scope: its processors run last, after the request's (each
    # request's scopes are forks of these, so they get it too).
    module.get_current_scope().add_event_processor(count_request_data)
    for _ in range(WEB_CHECKED):
        one_request()
    module.flush(10)
    return {**result, "with_request": len(with_request), "checked": WEB_CHECKED}


def _flask_request() -> Callable[[], object]:
    import io

    from flask import Flask
    from werkzeug.test import EnvironBuilder

    app = Flask("bench")

    @app.get("/items/<int:item_id>")
    def item(item_id: int) -> str:
        raise ValueError(f"item {item_id} failed")

    builder = EnvironBuilder(
        path="/items/3",
        query_string="page=2",
        headers={"User-Agent": "bench", "Accept": "application/json"},
    )
    template = builder.get_environ()
    builder.close()

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        assert status.startswith("500"), status

    def one_request() -> object:
        environ = dict(template)
        environ["wsgi.input"] = io.BytesIO(b"")
        environ["wsgi.errors"] = io.StringIO()  # Flask logs the error there
        response = app(environ, start_response)
        body = b"".join(response)
        getattr(response, "close", lambda: None)()
        return body

    return one_request


def _fastapi_request() -> Callable[[], object]:
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> None:
        raise ValueError(f"item {item_id} failed")

    loop = asyncio.new_event_loop()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/items/3",
        "raw_path": b"/items/3",
        "root_path": "",
        "query_string": b"page=2",
        "headers": [(b"host", b"bench"), (b"user-agent", b"bench"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 500, message

    async def call() -> None:
        # ServerErrorMiddleware answers 500, then raises the error for the server.
        with contextlib.suppress(ValueError):
            await app(dict(scope), receive, send)

    def one_request() -> object:
        loop.run_until_complete(call())
        return None

    return one_request


if __name__ == "__main__":
    sdk_name, case_name, target_dsn = sys.argv[1:4]
    print(json.dumps(run(sdk_name, case_name, target_dsn)), flush=True)
