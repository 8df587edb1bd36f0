"""Scopes: levels, forking, and isolation between threads and asyncio tasks."""

from __future__ import annotations

import asyncio
import threading

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
    with sentry_lite.push_scope() as scope:
        scope.set_tag("pushed", "yes")
        assert sentry_lite.get_current_scope() is scope
    assert "pushed" not in sentry_lite.get_current_scope()._tags
    with sentry_lite.configure_scope() as scope:
        scope.set_tag("configured", "yes")
    assert sentry_lite.get_isolation_scope()._tags == {"configured": "yes"}
    sentry_lite.configure_scope(lambda s: s.set_tag("callback", "yes"))
    assert sentry_lite.get_isolation_scope()._tags["callback"] == "yes"
    seen: list[Scope] = []
    sentry_lite.push_scope(seen.append)
    assert len(seen) == 1
    assert seen[0] is not sentry_lite.get_current_scope()


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
