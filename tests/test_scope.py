"""Scopes: levels, forking, and isolation between threads and asyncio tasks."""

from __future__ import annotations

import asyncio
import threading

import pytest

import sentry_lite
from sentry_lite import Scope


def test_the_three_levels_are_distinct():
    assert sentry_lite.get_global_scope() is sentry_lite.get_global_scope()
    assert sentry_lite.get_isolation_scope() is sentry_lite.get_isolation_scope()
    assert sentry_lite.get_current_scope() is not sentry_lite.get_isolation_scope()
    assert Scope.get_global_scope() is sentry_lite.get_global_scope()


def test_new_scope_forks_the_current_scope():
    sentry_lite.get_current_scope().set_tag("outer", "1")
    with sentry_lite.new_scope() as scope:
        assert scope is sentry_lite.get_current_scope()
        scope.set_tag("inner", "2")
        assert scope._tags == {"outer": "1", "inner": "2"}
    assert sentry_lite.get_current_scope()._tags == {"outer": "1"}


def test_isolation_scope_forks_both():
    sentry_lite.set_tag("outer", "1")
    with sentry_lite.isolation_scope() as scope:
        sentry_lite.set_tag("inner", "2")
        assert scope._tags == {"outer": "1", "inner": "2"}
    assert sentry_lite.get_isolation_scope()._tags == {"outer": "1"}


def test_legacy_push_scope_and_configure_scope():
    # Deprecated, as in sentry_sdk 2.x; push_scope() forks the isolation scope as
    # sentry_sdk's does, so what the block sets through set_tag() ends with it.
    with pytest.deprecated_call(), sentry_lite.push_scope() as scope:
        assert scope is sentry_lite.get_isolation_scope()
        scope.set_tag("pushed", "yes")
        sentry_lite.set_tag("module_level", "yes")
        sentry_lite.get_current_scope().set_tag("current", "yes")
    assert sentry_lite.get_isolation_scope()._tags == {}
    assert sentry_lite.get_current_scope()._tags == {}
    with pytest.deprecated_call(), sentry_lite.configure_scope() as scope:
        scope.set_tag("configured", "yes")
    assert sentry_lite.get_isolation_scope()._tags == {"configured": "yes"}
    with pytest.deprecated_call():
        sentry_lite.configure_scope(lambda s: s.set_tag("callback", "yes"))
    assert sentry_lite.get_isolation_scope()._tags["callback"] == "yes"
    seen: list[Scope] = []
    with pytest.deprecated_call():
        sentry_lite.push_scope(seen.append)
    assert len(seen) == 1
    assert seen[0] is not sentry_lite.get_isolation_scope()


def test_data_set_in_a_thread_stays_in_that_thread():
    sentry_lite.set_tag("main", "1")
    seen = {}

    def work(name):
        sentry_lite.set_tag("thread", name)
        seen[name] = dict(sentry_lite.get_isolation_scope()._tags)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a": {"thread": "a"}, "b": {"thread": "b"}}
    assert sentry_lite.get_isolation_scope()._tags == {"main": "1"}


def test_data_set_in_a_task_stays_in_that_task():
    sentry_lite.set_tag("parent", "1")

    async def child(name):
        sentry_lite.set_tag("task", name)
        await asyncio.sleep(0)
        return dict(sentry_lite.get_isolation_scope()._tags)

    async def main():
        sentry_lite.set_tag("main", "yes")
        results = await asyncio.gather(child("a"), child("b"))
        return results, dict(sentry_lite.get_isolation_scope()._tags)

    (first, second), in_main = asyncio.run(main())
    assert first == {"parent": "1", "main": "yes", "task": "a"}
    assert second == {"parent": "1", "main": "yes", "task": "b"}
    assert in_main == {"parent": "1", "main": "yes"}
    assert sentry_lite.get_isolation_scope()._tags == {"parent": "1"}


def test_scope_breadcrumbs_are_bounded():
    scope = Scope()
    for index in range(5):
        scope.append_breadcrumb({"message": str(index)}, max_breadcrumbs=2)
    assert [c["message"] for c in scope.breadcrumbs] == ["3", "4"]


def test_clear_forgets_everything():
    scope = Scope()
    scope.set_tag("a", "1")
    scope.set_user({"id": "1"})
    scope.set_level("warning")
    scope.fingerprint = ["x"]
    scope.append_breadcrumb({"message": "m"}, 10)
    scope.clear()
    assert (scope._tags, scope.user, scope.level, scope.fingerprint, list(scope.breadcrumbs)) == (
        {},
        None,
        None,
        None,
        [],
    )


def test_fork_is_independent():
    scope = Scope()
    scope.set_extra("a", 1)
    scope.append_breadcrumb({"message": "m"}, 10)
    forked = scope.fork()
    forked.set_extra("b", 2)
    forked.append_breadcrumb({"message": "n"}, 10)
    assert scope._extra == {"a": 1}
    assert len(scope.breadcrumbs) == 1
    assert len(forked.breadcrumbs) == 2


def test_scope_data_of_all_levels_reaches_the_event(sentry_init, receiver):
    sentry_init()
    sentry_lite.get_global_scope().set_tag("level", "global")
    sentry_lite.get_global_scope().set_tag("g", "1")
    sentry_lite.set_tag("level", "isolation")
    with sentry_lite.new_scope() as scope:
        scope.set_tag("level", "current")
        scope.set_level("warning")
        sentry_lite.capture_message("layers")
    [event] = receiver.wait_for_events(1)
    assert event["tags"] == {"level": "current", "g": "1"}
    assert event["level"] == "warning"


def test_a_tag_relay_would_reject_is_left_out_or_repaired(sentry_init, receiver):
    """Relay rejects an empty or blank key or value, and a newline (the receiver's
    normalizer check fails the test if one is sent)."""
    sentry_init()
    sentry_lite.set_tags({"empty": "", "blank": "  ", "two lines": "a\nb", "kept": "1"})
    sentry_lite.set_tag("", "no key")
    sentry_lite.capture_message("tags", tags={"own empty": "", "own": "x"})
    [event] = receiver.wait_for_events(1)
    assert event["tags"] == {"two lines": "a b", "kept": "1", "own": "x"}


def test_set_transaction_name_sends_its_source(sentry_init, receiver):
    sentry_init()
    sentry_lite.get_isolation_scope().set_transaction_name("/orders/{id}", source="route")
    sentry_lite.capture_message("named")
    with sentry_lite.new_scope() as scope:
        scope.transaction = "renamed"  # a name without a source: the route's is not its
        sentry_lite.capture_message("renamed")
    with sentry_lite.new_scope() as scope:
        scope.set_transaction_name("checkout")
        sentry_lite.capture_message("no source")
    named, renamed, unsourced = receiver.wait_for_events(3)
    assert named["transaction"] == "/orders/{id}"
    assert named["transaction_info"] == {"source": "route"}
    assert renamed["transaction"] == "renamed"
    assert "transaction_info" not in renamed
    assert unsourced["transaction"] == "checkout"
    assert "transaction_info" not in unsourced


# last_event_id, as sentry_sdk 2.x: the isolation scope's


def test_last_event_id_is_the_isolation_scopes(sentry_init, receiver):
    sentry_init()
    assert Scope.last_event_id() is None
    with sentry_lite.new_scope():
        event_id = sentry_lite.capture_message("first")
    assert event_id is not None
    assert Scope.last_event_id() == event_id
    assert sentry_lite.last_event_id() == event_id
    assert sentry_lite.get_current_scope().last_event_id() == event_id
    with sentry_lite.isolation_scope():
        assert Scope.last_event_id() == event_id  # the fork starts with its parent's
        inner_id = sentry_lite.capture_message("inner")
        assert Scope.last_event_id() == inner_id
    assert Scope.last_event_id() == event_id


def test_last_event_id_ignores_dropped_events(sentry_init, receiver):
    sentry_init(before_send=lambda event, hint: None if event.get("message") == "drop" else event)
    kept = sentry_lite.capture_message("keep")
    assert sentry_lite.capture_message("drop") is None
    assert Scope.last_event_id() == kept


def test_last_event_id_is_per_thread(sentry_init, receiver):
    sentry_init()
    main_id = sentry_lite.capture_message("main")
    seen = []

    def work():
        # The thread's scopes are forks of the parent's (threading integration),
        # as with sentry_sdk: it starts with the parent's last event id.
        seen.append(sentry_lite.last_event_id())
        seen.append(sentry_lite.capture_message("in the thread"))
        seen.append(sentry_lite.last_event_id())

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen[0] == main_id
    assert seen[2] == seen[1] != main_id
    assert sentry_lite.last_event_id() == main_id


def test_clear_forgets_the_last_event_id_trace_and_span():
    scope = Scope()
    scope.last_event_id_value = "a" * 32
    scope.set_trace({"trace_id": "1" * 32, "span_id": "2" * 16}, "sentry-trace_id=x")
    scope.span = object()
    scope.clear()
    assert scope.last_event_id_value is None
    assert scope._trace_context is None
    assert scope._baggage is None
    assert scope.span is None


# The trace context events carry: the isolation scope's, as sentry_sdk's propagation context


def test_events_of_one_isolation_scope_share_a_trace(sentry_init, receiver):
    sentry_init()
    sentry_lite.capture_message("outside")
    with sentry_lite.new_scope():
        sentry_lite.capture_message("in a new scope")
    with sentry_lite.isolation_scope():
        sentry_lite.capture_message("in a forked isolation scope")
    events = receiver.wait_for_events(3)
    traces = [event["contexts"]["trace"] for event in events]
    assert len({trace["trace_id"] for trace in traces}) == 1
    assert len({trace["span_id"] for trace in traces}) == 1
    assert traces[0]["trace_id"] == sentry_lite.get_isolation_scope().trace_context["trace_id"]


def test_a_thread_has_its_own_trace_and_a_forked_one_its_parents():
    mine = sentry_lite.get_current_scope().trace_context["trace_id"]
    seen = []
    thread = threading.Thread(
        target=lambda: seen.append(sentry_lite.get_current_scope().trace_context["trace_id"])
    )
    thread.start()
    thread.join()
    assert seen[0] != mine

    from sentry_lite.scope import fork_scopes_for_thread

    install = fork_scopes_for_thread()

    def forked_thread():
        install()
        seen.append(sentry_lite.get_current_scope().trace_context["trace_id"])

    thread = threading.Thread(target=forked_thread)
    thread.start()
    thread.join()
    assert seen[1] == mine


def test_a_trace_set_in_a_forked_isolation_scope_stays_there():
    outer = dict(sentry_lite.get_current_scope().trace_context)
    with sentry_lite.isolation_scope() as isolation:
        isolation.set_trace(
            {"trace_id": "1" * 32, "span_id": "2" * 16}, "sentry-trace_id=" + "1" * 32
        )
        assert sentry_lite.get_current_scope().trace_context["trace_id"] == "1" * 32
        assert sentry_lite.get_current_scope().baggage == "sentry-trace_id=" + "1" * 32
    assert sentry_lite.get_current_scope().trace_context == outer
    assert sentry_lite.get_current_scope().baggage is None


def test_fork_keeps_the_span_and_trace():
    scope = Scope()
    scope.set_trace({"trace_id": "1" * 32, "span_id": "2" * 16}, None)
    marker = object()
    scope.span = marker
    forked = scope.fork()
    assert forked.span is marker
    assert forked.trace_context is scope.trace_context


# An exception that ends an asyncio task brings the task's scope data to where it is captured


def crumb_messages(event):
    return [crumb["message"] for crumb in event.get("breadcrumbs", {}).get("values", [])]


async def failing_job(name):
    sentry_lite.set_user({"id": name})
    sentry_lite.set_tag("job", name)
    sentry_lite.add_breadcrumb(message=f"{name}: step 1")
    await asyncio.sleep(0)
    raise RuntimeError(f"{name} failed")


def test_capture_after_asyncio_run_has_the_tasks_data(sentry_init, receiver):
    sentry_init()
    sentry_lite.set_tag("outer", "yes")
    sentry_lite.add_breadcrumb(message="before run")
    try:
        asyncio.run(failing_job("import"))
    except RuntimeError as error:
        sentry_lite.capture_exception(error)
    [event] = receiver.wait_for_events(1)
    assert event["user"] == {"id": "import"}
    assert event["tags"] == {"outer": "yes", "job": "import"}
    assert crumb_messages(event) == ["before run", "import: step 1"]  # the shared one once
    assert sentry_lite.get_isolation_scope()._tags == {"outer": "yes"}  # still the task's own


def test_an_error_raised_from_a_tasks_exception_gets_the_tasks_data(sentry_init, receiver):
    sentry_init()
    try:
        try:
            asyncio.run(failing_job("import"))
        except RuntimeError as error:
            raise ValueError("the import step failed") from error
    except ValueError as error:
        sentry_lite.capture_exception(error)
    [event] = receiver.wait_for_events(1)
    assert event["tags"] == {"job": "import"}
    assert event["exception"]["values"][-1]["type"] == "ValueError"


def test_a_task_that_awaits_a_failed_task_captures_with_its_data(sentry_init, receiver):
    sentry_init()

    async def main():
        sentry_lite.set_tag("main", "yes")
        try:
            # Awaited before the child first ran: the awaiting task's wake-up
            # callback was on the child before the child's scopes existed.
            await asyncio.create_task(failing_job("a"))
        except RuntimeError as error:
            sentry_lite.capture_exception(error)
        task = asyncio.create_task(failing_job("b"))
        await asyncio.sleep(0.01)  # b ends before anyone awaits it
        try:
            await task
        except RuntimeError as error:
            sentry_lite.capture_exception(error, tags={"job": "set at capture"})
        sentry_lite.capture_message("main's own")

    asyncio.run(main())
    first, second, own = receiver.wait_for_events(3)
    assert first["tags"] == {"main": "yes", "job": "a"}
    assert first["user"] == {"id": "a"}
    assert crumb_messages(first) == ["a: step 1"]
    assert second["tags"] == {"main": "yes", "job": "set at capture"}  # capture kwargs win
    assert second["user"] == {"id": "b"}
    assert own["tags"] == {"main": "yes"}
    assert "user" not in own
    assert crumb_messages(own) == []


def test_gather_re_raises_with_the_failed_tasks_data_and_not_its_siblings(sentry_init, receiver):
    sentry_init()

    async def sibling():
        sentry_lite.set_tag("sibling", "yes")
        sentry_lite.add_breadcrumb(message="sibling ran")
        await asyncio.sleep(0.01)

    async def main():
        sentry_lite.set_tag("main", "yes")
        try:
            await asyncio.gather(sibling(), failing_job("a"))
        except RuntimeError as error:
            sentry_lite.capture_exception(error)

    asyncio.run(main())
    [event] = receiver.wait_for_events(1)
    assert event["tags"] == {"main": "yes", "job": "a"}
    assert crumb_messages(event) == ["a: step 1"]


def test_concurrent_failed_tasks_each_bring_only_their_own_data(sentry_init, receiver):
    sentry_init()

    async def main():
        # Forks main's own scopes before the jobs are made: the jobs' come from
        # them, so main is their ancestor (see the shared exception test below).
        sentry_lite.set_tag("main", "yes")
        errors = await asyncio.gather(
            failing_job("a"), failing_job("b"), failing_job("c"), return_exceptions=True
        )
        for error in errors:
            sentry_lite.capture_exception(error)

    asyncio.run(main())
    events = receiver.wait_for_events(3)
    assert len(events) == 3
    for event in events:
        job = event["tags"]["job"]
        assert event["exception"]["values"][-1]["value"] == f"{job} failed"
        assert event["user"] == {"id": job}
        assert crumb_messages(event) == [f"{job}: step 1"]


def test_an_exception_shared_by_tasks_brings_a_tasks_data_only_to_its_ancestors(
    sentry_init, receiver
):
    """Several tasks awaiting one future all end with the same exception object:
    a sibling that captures it gets its own data, not the first task's."""
    sentry_init()

    async def main():
        sentry_lite.set_tag("main", "yes")
        shared = asyncio.get_running_loop().create_future()  # e.g. one upstream connection

        async def request(user, delay):
            sentry_lite.set_user({"id": user})
            sentry_lite.add_breadcrumb(message=f"{user}: request")
            await asyncio.sleep(delay)
            try:
                await shared
            except ConnectionError as error:
                if user == "bob":
                    sentry_lite.capture_exception(error)
                    return
                raise

        alice = asyncio.create_task(request("alice", 0))
        bob = asyncio.create_task(request("bob", 0.02))
        await asyncio.sleep(0.01)
        shared.set_exception(ConnectionError("upstream closed"))
        await asyncio.gather(alice, bob, return_exceptions=True)
        try:  # main is alice's parent: her data (not the same object: dedupe would drop it)
            raise RuntimeError("a request failed") from alice.exception()
        except RuntimeError as error:
            sentry_lite.capture_exception(error)

    asyncio.run(main())
    in_bob, in_main = receiver.wait_for_events(2)
    assert in_bob["user"] == {"id": "bob"}
    assert crumb_messages(in_bob) == ["bob: request"]
    assert in_main["user"] == {"id": "alice"}
    assert in_main["tags"] == {"main": "yes"}
    assert crumb_messages(in_main) == ["alice: request"]


def test_processors_a_task_inherited_run_once_and_its_trace_is_used(sentry_init, receiver):
    sentry_init()
    calls = []

    def processor(event, hint):
        calls.append(hint["exc_info"][1])
        return event

    sentry_lite.get_isolation_scope().add_event_processor(processor)
    task_trace = {"trace_id": "1" * 32, "span_id": "2" * 16}

    async def traced_job():
        sentry_lite.get_isolation_scope().set_trace(dict(task_trace))
        await failing_job("traced")

    try:
        asyncio.run(traced_job())
    except RuntimeError as error:
        sentry_lite.capture_exception(error)
    [event] = receiver.wait_for_events(1)
    assert len(calls) == 1
    assert event["contexts"]["trace"]["trace_id"] == "1" * 32
    assert sentry_lite.get_isolation_scope().trace_context["trace_id"] != "1" * 32


def test_cancelled_and_successful_tasks_leave_nothing_on_exceptions(sentry_init, receiver):
    sentry_init()
    from sentry_lite.scope._task_scopes import task_scopes_of

    async def waits():
        sentry_lite.set_tag("cancelled", "yes")
        await asyncio.sleep(10)

    async def succeeds():
        sentry_lite.set_tag("succeeded", "yes")
        return ValueError("returned, not raised")

    async def main():
        task = asyncio.create_task(waits())
        await asyncio.sleep(0)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError as error:
            cancelled = error
        return cancelled, await asyncio.create_task(succeeds())

    cancelled, returned = asyncio.run(main())
    assert task_scopes_of(cancelled) is None
    assert task_scopes_of(returned) is None
    sentry_lite.capture_exception(returned)
    [event] = receiver.wait_for_events(1)
    assert "tags" not in event


def test_fork_copies_every_slot():
    scope = Scope()
    scope.set_tag("t", 1)
    scope.set_extra("e", 2)
    scope.set_context("c", {"k": "v"})
    scope.set_user({"id": "1"})
    scope.set_level("warning")
    scope.fingerprint = ["f"]
    scope.set_transaction_name("t", source="custom")
    scope.append_breadcrumb({"message": "m"}, 10)
    scope.add_event_processor(lambda event, hint: event)
    scope.set_trace({"trace_id": "1" * 32, "span_id": "2" * 16}, "sentry-trace_id=1")
    scope.span = object()
    scope.set_client(sentry_lite.get_client())
    scope.last_event_id_value = "a" * 32
    forked = scope.fork()
    shared = {"_client", "_trace_context", "_baggage", "_span", "_level", "_transaction"}
    shared.add("_transaction_source")
    shared.add("last_event_id_value")
    for name in Scope.__slots__:
        mine, theirs = getattr(scope, name), getattr(forked, name)
        assert mine is not None, name  # the test sets every slot
        assert mine == theirs, name
        assert (mine is theirs) == (name in shared), name


def test_add_global_event_processor_runs_for_every_event(sentry_init, receiver):
    # sentry_sdk's module function, used as a decorator by 1.x code.
    from sentry_lite.scope import add_global_event_processor

    @add_global_event_processor
    def mark(event, hint):
        event.setdefault("tags", {})["processed"] = "yes"
        return event

    try:
        sentry_init()
        with sentry_lite.isolation_scope():
            sentry_lite.capture_message("in a request")
        sentry_lite.capture_message("outside")
        sentry_lite.flush()
        events = receiver.wait_for_events(2)
        assert [event["tags"]["processed"] for event in events] == ["yes", "yes"]
    finally:
        sentry_lite.get_global_scope()._event_processors.remove(mark)
