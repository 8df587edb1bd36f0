"""The asyncio integration: a task's crash is one event; the loop's handler still runs."""

from __future__ import annotations

import asyncio

import pytest
from subprocess_runner import run_script

import sentry_lite
from sentry_lite.integrations.asyncio import AsyncioIntegration, enable_asyncio_integration


def settle(receiver, count):
    events = receiver.wait_for_events(count)
    # Every queued envelope answered (the receiver stores before it answers): nothing else comes.
    assert sentry_lite.get_client().flush(5)
    assert len(receiver.events) == count, [event.get("logentry") for event in receiver.events]
    return events


def test_a_task_crash_nobody_retrieves_is_exactly_one_event(receiver):
    result = run_script(
        """
        import asyncio, gc
        import sentry_lite
        from sentry_lite.integrations.asyncio import AsyncioIntegration

        async def fetch_prices():
            await asyncio.sleep(0)
            raise ValueError("price feed down")

        async def main():
            sentry_lite.init(integrations=[AsyncioIntegration()])
            task = asyncio.create_task(fetch_prices())
            await asyncio.sleep(0.05)
            del task
            gc.collect()  # asyncio logs "Task exception was never retrieved" now
            await asyncio.sleep(0.05)

        asyncio.run(main())
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    assert "Task exception was never retrieved" in result.stderr  # asyncio's handler ran
    [event] = settle(receiver, 1)
    [value] = event["exception"]["values"]
    assert value["type"] == "ValueError"
    assert value["mechanism"] == {"type": "asyncio", "handled": False}
    assert value["stacktrace"]["frames"][0]["function"] == "fetch_prices"
    assert "asyncio" in event["sdk"]["integrations"]


def test_an_awaited_task_crash_is_reported_once_and_still_raised(receiver):
    result = run_script(
        """
        import asyncio
        import sentry_lite
        from sentry_lite.integrations.asyncio import AsyncioIntegration

        async def step():
            raise KeyError("missing")

        async def main():
            sentry_lite.init(integrations=[AsyncioIntegration()])
            try:
                await asyncio.create_task(step())
            except KeyError:
                print("the caller still got the KeyError")
            await asyncio.create_task(asyncio.sleep(0))  # a task that ends well

        asyncio.run(main())
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    assert "the caller still got the KeyError" in result.stdout
    [event] = settle(receiver, 1)
    assert event["exception"]["values"][-1]["type"] == "KeyError"


def test_cancelled_tasks_are_not_reported(receiver):
    result = run_script(
        """
        import asyncio, gc
        import sentry_lite
        from sentry_lite.integrations.asyncio import AsyncioIntegration

        async def main():
            sentry_lite.init(integrations=[AsyncioIntegration()])
            running = asyncio.create_task(asyncio.sleep(10))
            await asyncio.sleep(0)
            never_started = asyncio.create_task(asyncio.sleep(10))
            for task in (running, never_started):
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
            sentry_lite.capture_message("only this")

        asyncio.run(main())
        gc.collect()
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    assert "never awaited" not in result.stderr  # the cancellation reached the coroutine
    [event] = settle(receiver, 1)
    assert event["message"] == "only this"


def test_a_callback_error_is_reported_and_the_previous_handler_still_runs(receiver):
    result = run_script(
        """
        import asyncio
        import sentry_lite
        from sentry_lite.integrations.asyncio import AsyncioIntegration

        def broken_callback():
            raise RuntimeError("callback failed")

        async def main():
            loop = asyncio.get_running_loop()
            loop.set_exception_handler(
                lambda loop, context: print("previous handler:", context["message"])
            )
            sentry_lite.init(integrations=[AsyncioIntegration()])
            loop.call_soon(broken_callback)
            await asyncio.sleep(0.05)

        asyncio.run(main())
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    assert "previous handler: Exception in callback" in result.stdout
    [event] = settle(receiver, 1)
    value = event["exception"]["values"][-1]
    assert value["type"] == "RuntimeError"
    assert value["mechanism"]["type"] == "asyncio"


def test_the_default_handler_message_is_still_logged_but_not_sent_twice(receiver):
    result = run_script(
        """
        import asyncio, logging
        import sentry_lite
        from sentry_lite.integrations.asyncio import AsyncioIntegration

        def broken_callback():
            raise RuntimeError("callback failed")

        async def main():
            sentry_lite.init(integrations=[AsyncioIntegration()])
            asyncio.get_running_loop().call_soon(broken_callback)
            await asyncio.sleep(0.05)

        logging.basicConfig()
        asyncio.run(main())
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    assert "ERROR:asyncio:Exception in callback" in result.stderr
    [event] = settle(receiver, 1)
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "asyncio"


def test_init_outside_a_loop_does_not_install_it_until_enabled_in_one(sentry_init, receiver):
    sentry_init(integrations=[AsyncioIntegration()])
    assert sentry_lite.get_client().get_integration(AsyncioIntegration) is None

    async def crash():
        raise OSError("disk gone")

    async def main():
        enable_asyncio_integration()
        task = asyncio.get_running_loop().create_task(crash())
        await asyncio.wait([task])
        return task.exception()

    error = asyncio.run(main())
    assert isinstance(error, OSError)
    sentry_lite.flush(5)
    [event] = settle(receiver, 1)
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "asyncio"


def test_a_custom_task_factory_is_kept(sentry_init, receiver):
    sentry_init()
    made = []

    def factory(loop, coro, **kwargs):
        made.append(coro)
        return asyncio.Task(coro, loop=loop, **kwargs)

    async def crash():
        raise ValueError("through the user's factory")

    async def main():
        asyncio.get_running_loop().set_task_factory(factory)
        enable_asyncio_integration()
        task = asyncio.create_task(crash(), name="custom")
        await asyncio.wait([task])
        return task

    task = asyncio.run(main())
    assert isinstance(task.exception(), ValueError)
    assert task.get_name() == "custom"
    assert made[0].__qualname__.endswith("crash")  # the user's factory got the (wrapped) task
    sentry_lite.flush(5)
    [event] = settle(receiver, 1)
    assert event["exception"]["values"][-1]["value"] == "through the user's factory"


def test_a_task_class_without_callback_contexts_is_not_left_hanging(sentry_init, receiver):
    """A Task subclass whose add_done_callback() takes no ``context``: the
    callbacks added before the SDK's (gather's) must stay, so gather ends."""
    sentry_init()
    from sentry_lite.scope._task_scopes import _record_scopes, keep_scopes_on_failure

    class LegacyTask(asyncio.Task):
        def add_done_callback(self, fn):  # no context parameter
            super().add_done_callback(fn)

    async def child():
        await asyncio.sleep(0.01)  # gather's callback is on the task by now
        sentry_lite.set_tag("child", "yes")  # forks the task's scopes
        keep_scopes_on_failure(asyncio.current_task())  # again: not added twice
        return [entry[0] for entry in asyncio.current_task()._callbacks].count(_record_scopes)

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_task_factory(lambda loop, coro, **kwargs: LegacyTask(coro, loop=loop, **kwargs))
        task = asyncio.create_task(child())
        assert isinstance(task, LegacyTask)
        return await asyncio.wait_for(asyncio.gather(task), 2)

    assert asyncio.run(main()) == [1]


# An exception that ends a task is reported outside it with the task's scope data


USER_PROGRAM = """
    import asyncio
    import sentry_lite
    from sentry_lite.integrations.asyncio import AsyncioIntegration

    INTEGRATIONS = {integrations}

    async def job():
        sentry_lite.set_user({{"id": "42"}})
        sentry_lite.set_tag("job", "import")
        sentry_lite.add_breadcrumb(message="step 1")
        await asyncio.sleep(0)
        raise RuntimeError("boom")

    async def main():
        if {init_inside}:
            sentry_lite.init(integrations=INTEGRATIONS)
        await {job}

    if not {init_inside}:
        sentry_lite.init(integrations=INTEGRATIONS)
    asyncio.run(main())
"""


@pytest.mark.parametrize(
    ("integrations", "init_inside", "job", "mechanism"),
    [
        ("[]", False, "job()", "excepthook"),
        ("[]", False, "asyncio.create_task(job())", "excepthook"),
        # Listed, but init() ran before the loop: not enabled (a warning says so).
        ("[AsyncioIntegration()]", False, "job()", "excepthook"),
        # Enabled, but the main task was made before: the excepthook reports it.
        ("[AsyncioIntegration()]", True, "job()", "excepthook"),
        # A task made after: the integration reports it, in the task.
        ("[AsyncioIntegration()]", True, "asyncio.create_task(job())", "asyncio"),
    ],
    ids=["main", "child-task", "integration-not-enabled", "integration-main", "integration"],
)
def test_a_crash_out_of_asyncio_run_carries_the_tasks_scope_data(
    receiver, integrations, init_inside, job, mechanism
):
    program = USER_PROGRAM.format(integrations=integrations, init_inside=init_inside, job=job)
    result = run_script(program, receiver.dsn)
    assert result.returncode == 1, result.stderr
    assert "RuntimeError: boom" in result.stderr
    [event] = settle(receiver, 1)
    assert event["exception"]["values"][-1]["mechanism"]["type"] == mechanism
    assert event["user"] == {"id": "42"}
    assert event["tags"] == {"job": "import"}
    assert [crumb["message"] for crumb in event["breadcrumbs"]["values"]] == ["step 1"]


NOBODY_RETRIEVES = """
    import asyncio, gc, os
    import sentry_lite

    async def fetch_prices():
        sentry_lite.set_tag("feed", "prices")
        await asyncio.sleep(0)
        raise ValueError("price feed down")

    async def main():
        sentry_lite.set_tag("service", "quotes")  # main's own scopes: the task's come from them
        task = asyncio.create_task(fetch_prices())
        await asyncio.sleep(0.05)
        del task
        gc.collect()  # asyncio logs "Task exception was never retrieved" now

    if os.environ.get("WITH_SDK"):
        sentry_lite.init()
    asyncio.run(main())
"""


def test_task_exception_never_retrieved_is_logged_as_without_the_sdk(receiver):
    without = run_script(NOBODY_RETRIEVES)
    assert "Task exception was never retrieved" in without.stderr
    with_sdk = run_script(NOBODY_RETRIEVES, receiver.dsn, env={"WITH_SDK": "1"})
    assert with_sdk.returncode == 0, with_sdk.stderr
    assert "Task exception was never retrieved" in with_sdk.stderr
    assert "ValueError: price feed down" in with_sdk.stderr
    # asyncio's log record became an event (logging integration), with the task's data.
    [event] = settle(receiver, 1)
    assert event["logentry"]["message"].startswith("Task exception was never retrieved")
    assert event["tags"] == {"service": "quotes", "feed": "prices"}
