"""sentry_sdk's tracing calls run unchanged and record nothing; events still link by trace."""

from __future__ import annotations

import asyncio
import inspect
import re

import pytest
from sentry_sdk_pin import pinned_sentry_sdk

import sentry_lite
from sentry_lite import tracing
from sentry_lite.tracing import Span, Transaction

TRACE_ID = "771a43a4192642f0b136d5159a501700"
PARENT_SPAN_ID = "1234567890abcdef"


def current_trace() -> dict[str, str]:
    return sentry_lite.get_current_scope().trace_context


# Spans and transactions


def test_a_transaction_and_its_spans_carry_the_events_trace_context():
    trace = current_trace()
    with sentry_lite.start_transaction(name="nightly", op="task") as transaction:
        assert isinstance(transaction, Transaction)
        assert (transaction.trace_id, transaction.span_id) == (trace["trace_id"], trace["span_id"])
        assert transaction.name == "nightly"
        assert transaction.op == "task"
        assert transaction.sampled is False
        with sentry_lite.start_span(op="db", name="select") as span:
            assert span.trace_id == trace["trace_id"]
            assert span.containing_transaction is transaction
            assert span.to_traceparent() == sentry_lite.get_traceparent()
            child = span.start_child(op="http", description="GET /")
            assert child.name == child.description == "GET /"
            assert child.trace_id == trace["trace_id"]


def test_the_entered_span_is_the_current_span_until_it_ends():
    assert sentry_lite.get_current_span() is None
    with sentry_lite.start_transaction(name="t") as transaction:
        assert sentry_lite.get_current_span() is transaction
        with sentry_lite.start_span(op="inner") as span:
            assert sentry_lite.get_current_span() is span
            assert sentry_lite.get_current_span(sentry_lite.get_current_scope()) is span
        assert sentry_lite.get_current_span() is transaction
    assert sentry_lite.get_current_span() is None


def test_span_methods_accept_sentry_sdk_calls_and_record_nothing():
    span = sentry_lite.start_span(op="work", description="legacy description")
    span.set_tag("k", "v")
    span.set_data("rows", 3)
    span.update_data({"a": 1})
    span.set_flag("flag", True)
    span.set_measurement("memory", 12.5, "byte")
    span.set_context("ctx", {"a": 1})
    span.set_thread(1, "main")
    span.set_http_status(500)
    assert span.is_success()
    span.set_status("cancelled")
    assert span.status == "cancelled"
    assert not span.is_success()
    assert span.finish() is None
    assert span.finish(end_timestamp=1.0) is None
    assert span.name == "legacy description"
    assert span.to_baggage() is None
    assert span.get_trace_context()["status"] == "cancelled"
    assert not hasattr(span, "__dict__")  # slots: nothing accumulates


def test_an_exception_in_a_span_propagates_unchanged():
    error = ValueError("boom")
    entered = []

    def work():
        with sentry_lite.start_transaction(name="t") as transaction:
            entered.append(transaction)
            with sentry_lite.start_span(op="inner") as span:
                entered.append(span)
                raise error

    with pytest.raises(ValueError, match="boom") as caught:
        work()
    assert caught.value is error
    assert caught.value.__traceback__.tb_next.tb_frame.f_code is work.__code__
    transaction, span = entered
    assert span.status == "internal_error"
    assert transaction.status == "internal_error"
    assert sentry_lite.get_current_span() is None


def test_base_exceptions_propagate_too():
    with pytest.raises(KeyboardInterrupt), sentry_lite.start_span(op="x"):
        raise KeyboardInterrupt


def test_start_transaction_returns_a_given_transaction():
    transaction = sentry_lite.continue_trace({}, op="op", name="from headers")
    assert sentry_lite.start_transaction(transaction) is transaction
    assert sentry_lite.start_transaction(transaction, name="ignored") is transaction
    assert sentry_lite.start_transaction(transaction=None, name="x").name == "x"


def test_sentry_sdk_keyword_arguments_are_accepted():
    transaction = sentry_lite.start_transaction(
        name="t",
        op="task",
        source="route",
        sampled=True,
        custom_sampling_context={"a": 1},
        instrumenter="sentry",
        origin="manual",
        start_timestamp=None,
    )
    assert transaction.source == "route"
    assert transaction.sampled is False  # nothing is ever sent
    span = sentry_lite.start_span(
        op="db", name="n", description=None, origin="auto.db", only_if_parent=True
    )
    assert span.op == "db"


def test_transaction_name_reaches_events_in_the_block_only(sentry_init, receiver):
    sentry_init()
    with sentry_lite.start_transaction(name="checkout"):
        sentry_lite.capture_message("inside")
        with sentry_lite.start_span(op="db", name="not a transaction name"):
            sentry_lite.capture_message("in a span")
    sentry_lite.capture_message("after")
    inside, in_span, after = receiver.wait_for_events(3)
    assert inside["transaction"] == "checkout"
    assert in_span["transaction"] == "checkout"
    assert "transaction" not in after


def test_a_transaction_name_set_in_the_block_is_kept():
    with sentry_lite.start_transaction(name="t"):
        sentry_lite.set_transaction_name("/orders/<id>", source="route")
    assert sentry_lite.get_current_scope().transaction == "/orders/<id>"


def test_update_current_span_and_set_measurement():
    sentry_lite.update_current_span(op="nothing", name="to update")  # no span: no effect
    sentry_lite.set_measurement("ttfb", 12.0, "millisecond")
    with sentry_lite.start_span(op="a", name="b") as span:
        sentry_lite.update_current_span(op="c", name="d", attributes={"x": 1}, data={"y": 2})
        assert (span.op, span.name, span.description) == ("c", "d", "d")


def test_sentry_sdk_tracing_module_names():
    assert tracing.NoOpSpan is Span
    assert issubclass(Transaction, Span)
    assert sentry_lite.tracing is tracing


# @trace


def test_trace_returns_the_function_itself():
    def work(a, b=2):
        return a + b

    assert sentry_lite.trace(work) is work
    assert sentry_lite.trace(op="x", name="y", attributes={"a": 1})(work) is work
    assert sentry_lite.trace()(work) is work


def test_trace_decorates_sync_and_async_functions():
    @sentry_lite.trace
    def add(a, b):
        return a + b

    @sentry_lite.trace(op="task", name="fetch")
    async def fetch(value):
        await asyncio.sleep(0)
        return value * 2

    @sentry_lite.trace
    async def fails():
        raise LookupError("missing")

    assert add(1, 2) == 3
    assert inspect.iscoroutinefunction(fetch)
    assert asyncio.run(fetch(21)) == 42
    with pytest.raises(LookupError, match="missing"):
        asyncio.run(fails())


def test_trace_on_methods():
    class Service:
        @sentry_lite.trace
        def run(self):
            return "ran"

        @staticmethod
        @sentry_lite.trace
        def helper():
            return "helped"

    assert Service().run() == "ran"
    assert Service.helper() == "helped"


# Propagation


def test_traceparent_and_baggage_of_the_current_trace(sentry_init, receiver):
    sentry_init(release="shop 1.0/a", environment="staging")
    trace = current_trace()
    assert sentry_lite.get_traceparent() == f"{trace['trace_id']}-{trace['span_id']}"
    baggage = sentry_lite.get_baggage()
    assert baggage == (
        f"sentry-trace_id={trace['trace_id']},sentry-environment=staging,"
        f"sentry-release=shop%201.0/a,sentry-public_key={receiver.dsn.split('//')[1].split('@')[0]}"
    )
    headers = dict(sentry_lite.start_span(op="http").iter_headers())
    assert headers == {"sentry-trace": sentry_lite.get_traceparent(), "baggage": baggage}


def test_baggage_is_empty_before_init():
    assert sentry_lite.get_baggage() == ""
    assert re.fullmatch(r"[0-9a-f]{32}-[0-9a-f]{16}", sentry_lite.get_traceparent())


def test_continue_trace_joins_the_callers_trace(sentry_init, receiver):
    sentry_init()
    incoming = {
        "sentry-trace": f"{TRACE_ID}-{PARENT_SPAN_ID}-1",
        "baggage": f"other-vendor=1, sentry-trace_id={TRACE_ID},sentry-public_key=abc",
    }
    with sentry_lite.isolation_scope():
        transaction = sentry_lite.continue_trace(incoming, op="http.server", name="GET /")
        assert transaction.trace_id == TRACE_ID
        assert transaction.parent_span_id == PARENT_SPAN_ID
        assert transaction.name == "GET /"
        assert transaction.op == "http.server"
        traceparent = sentry_lite.get_traceparent()
        assert traceparent.startswith(TRACE_ID + "-")
        assert traceparent.split("-")[1] != PARENT_SPAN_ID  # a span of our own
        assert sentry_lite.get_baggage() == f"sentry-trace_id={TRACE_ID},sentry-public_key=abc"
        with sentry_lite.start_transaction(transaction):
            sentry_lite.capture_message("in the request")
    sentry_lite.capture_message("after the request")
    inside, after = receiver.wait_for_events(2)
    assert inside["contexts"]["trace"]["trace_id"] == TRACE_ID
    assert inside["contexts"]["trace"]["parent_span_id"] == PARENT_SPAN_ID
    assert inside["contexts"]["trace"]["span_id"] == traceparent.split("-")[1]
    assert inside["transaction"] == "GET /"
    assert after["contexts"]["trace"]["trace_id"] != TRACE_ID
    assert "parent_span_id" not in after["contexts"]["trace"]


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SENTRY_TRACE": f"{TRACE_ID}-{PARENT_SPAN_ID}", "HTTP_BAGGAGE": "a=1"},  # WSGI
        {"Sentry-Trace": f"  {TRACE_ID}-{PARENT_SPAN_ID}-0 "},
        {"sentry_trace": f"{TRACE_ID}-{PARENT_SPAN_ID}".encode()},
        {"sentry-trace": f", {TRACE_ID}-{PARENT_SPAN_ID}, other"},  # folded headers
    ],
)
def test_continue_trace_reads_header_spellings(headers):
    sentry_lite.continue_trace(headers)
    assert current_trace()["trace_id"] == TRACE_ID
    assert current_trace()["parent_span_id"] == PARENT_SPAN_ID
    assert sentry_lite.get_current_scope().baggage is None  # no sentry- items came


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"sentry-trace": "garbage"},
        {"sentry-trace": f"{TRACE_ID.upper()}-{PARENT_SPAN_ID}"},
        {"sentry-trace": f"{TRACE_ID}-{PARENT_SPAN_ID}-2"},
        {"sentry-trace": f"{TRACE_ID[:-1]}-{PARENT_SPAN_ID}"},
        {"sentry-trace": 42},
        {1: "not a header name", "baggage": f"sentry-trace_id={TRACE_ID}"},
    ],
)
def test_continue_trace_without_a_valid_header_starts_a_new_trace(headers):
    before = dict(current_trace())
    transaction = sentry_lite.continue_trace(headers)
    after = current_trace()
    assert after["trace_id"] != before["trace_id"]
    assert after["trace_id"] != TRACE_ID
    assert "parent_span_id" not in after
    assert transaction.trace_id == after["trace_id"]
    assert sentry_lite.get_current_scope().baggage is None


def test_continue_trace_never_raises_on_a_broken_mapping():
    class Broken(dict):
        def items(self):
            raise RuntimeError("broken mapping")

    from sentry_lite import _guard

    swallowed = []
    previous, _guard.internal_error_hook = _guard.internal_error_hook, swallowed.append
    try:
        transaction = sentry_lite.continue_trace(Broken())
    finally:
        _guard.internal_error_hook = previous
    assert transaction.trace_id == current_trace()["trace_id"]
    assert [type(error) for error in swallowed] == [RuntimeError]


def test_a_continued_trace_reaches_threads_started_in_it(sentry_init, receiver):
    import threading

    sentry_init()
    sentry_lite.continue_trace({"sentry-trace": f"{TRACE_ID}-{PARENT_SPAN_ID}"})
    thread = threading.Thread(target=lambda: sentry_lite.capture_message("from a thread"))
    thread.start()
    thread.join()
    [event] = receiver.wait_for_events(1)
    assert event["contexts"]["trace"]["trace_id"] == TRACE_ID


# Cost


def test_spans_are_cheap():
    import timeit

    def one():
        with sentry_lite.start_span(op="x") as span:
            span.set_data("a", 1)

    per_call = min(timeit.repeat(one, number=2000, repeat=3)) / 2000
    assert per_call < 50e-6  # a few microseconds in practice


# A sentry_sdk program that uses the tracing API runs unchanged

PROGRAM = """
import asyncio
import os
import sys

import sentry_sdk
from sentry_sdk.tracing import Span

sentry_sdk.init(os.environ["TEST_DSN"], release="shop@1", traces_sample_rate=1.0)
client = sentry_sdk.get_client()
print("options", client.options["release"], client.options.get("traces_sample_rate"))


@sentry_sdk.trace
def load(order_id):
    with sentry_sdk.start_span(op="db", name="select order") as span:
        span.set_data("order_id", order_id)
        span.set_tag("table", "orders")
        return {"id": order_id}


@sentry_sdk.trace(op="task")
async def notify(order):
    await asyncio.sleep(0)
    return order["id"]


headers = {"sentry-trace": "771a43a4192642f0b136d5159a501700-1234567890abcdef-1"}
with sentry_sdk.isolation_scope():
    transaction = sentry_sdk.continue_trace(headers, op="queue.task", name="process_order")
    with sentry_sdk.start_transaction(transaction) as tx:
        order = load(7)
        print("notified", asyncio.run(notify(order)))
        print("span", isinstance(sentry_sdk.get_current_span(), Span))
        traceparent = sentry_sdk.get_traceparent()
        print("traceparent", traceparent.split("-")[0])
        sentry_sdk.set_measurement("items", 3)
        try:
            with sentry_sdk.start_span(op="payment") as span:
                span.set_status("internal_error")
                raise ValueError("card declined")
        except ValueError as error:
            event_id = sentry_sdk.capture_exception(error)
            print("last event", sentry_sdk.last_event_id() == event_id)
sentry_sdk.flush()
print("done")
"""


def test_a_sentry_sdk_tracing_program_runs_unchanged(receiver, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    program = tmp_path / "tracing_program.py"
    program.write_text(PROGRAM)
    runner = Path(__file__).parent / "e2e" / "run_as_lite.py"
    # The child imports the sentry_lite under test (its script directory, not
    # the working directory, is first on its path), and reaches 127.0.0.1 directly.
    project_root = str(Path(sentry_lite.__file__).resolve().parents[1])
    env = {**os.environ, "TEST_DSN": receiver.dsn, "PYTHONPATH": project_root}
    for name in ("SENTRY_DSN", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(name, None)

    def run(*command):
        return subprocess.run(
            [sys.executable, *command],
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    lite = run(str(runner), str(program))
    assert lite.returncode == 0, lite.stderr
    expected = (
        "options shop@1 1.0\nnotified 7\nspan True\n"
        "traceparent 771a43a4192642f0b136d5159a501700\nlast event True\ndone\n"
    )
    assert lite.stdout == expected
    [event] = receiver.wait_for_events(1)
    assert event["contexts"]["trace"]["trace_id"] == "771a43a4192642f0b136d5159a501700"
    assert event["contexts"]["trace"]["parent_span_id"] == "1234567890abcdef"
    assert event["transaction"] == "process_order"
    assert event["exception"]["values"][-1]["value"] == "card declined"

    try:
        import sentry_sdk  # noqa: F401
    except ImportError:
        return
    # The same program with sentry_sdk itself prints the same.
    original = run(str(program))
    assert original.returncode == 0, original.stderr
    assert original.stdout == expected


SPAN_METHODS = [
    "finish",
    "get_trace_context",
    "is_success",
    "iter_headers",
    "set_context",
    "set_data",
    "set_flag",
    "set_http_status",
    "set_measurement",
    "set_status",
    "set_tag",
    "set_thread",
    "start_child",
    "to_baggage",
    "to_traceparent",
    "update_data",
]


@pytest.mark.parametrize("method", SPAN_METHODS)
def test_span_methods_mirror_sentry_sdk(method):
    pinned_sentry_sdk()
    import sentry_sdk.tracing as sentry_sdk_tracing

    theirs_class = (
        sentry_sdk_tracing.Transaction
        if method in ("finish", "set_context", "set_measurement")
        else sentry_sdk_tracing.Span
    )
    ours = inspect.signature(getattr(Span, method))
    theirs = inspect.signature(getattr(theirs_class, method))
    assert list(ours.parameters) == list(theirs.parameters)
    for name, parameter in theirs.parameters.items():
        assert ours.parameters[name].kind == parameter.kind, name
