"""What ``import sentry_lite`` changes in the standard library before ``init()``.

One hook only: ``multiprocessing.pool.worker`` is wrapped (when that module
is imported) so pool workers that call ``init()`` in their initializer
deliver before their results are handed back. Without a client it does
nothing but call the original; ``SENTRY_LITE_POOL_HOOK=0`` turns it off.
"""

from __future__ import annotations

import json

from subprocess_runner import run_script

_REPORT = """
    import json, sys
    finders_before = list(sys.meta_path)
    import multiprocessing.pool as mp_pool
    original = mp_pool.worker
    import sentry_lite
    import importlib
    added = [type(f).__name__ for f in sys.meta_path if f not in finders_before]
    print(json.dumps({
        "added_finders": added,
        "worker_replaced": mp_pool.worker is not original,
        "stdlib_functions_replaced": [
            name for name, before, after in [
                ("sys.excepthook", sys.__excepthook__, sys.excepthook),
            ] if before is not after
        ],
    }))
"""

_LATE_IMPORT = """
    import json, sys
    finders_before = list(sys.meta_path)
    import sentry_lite
    added = [type(f).__name__ for f in sys.meta_path if f not in finders_before]
    import multiprocessing.pool as mp_pool
    print(json.dumps({"added_finders": added,
                      "worker_module": mp_pool.worker.__module__}))
"""


def _run(source: str, **env: str) -> dict[str, object]:
    result = run_script(source, env=env)
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_the_environment_variable_turns_the_import_hook_off():
    assert _run(_REPORT, SENTRY_LITE_POOL_HOOK="0") == {
        "added_finders": [],
        "worker_replaced": False,
        "stdlib_functions_replaced": [],
    }
    late = _run(_LATE_IMPORT, SENTRY_LITE_POOL_HOOK="0")
    assert late == {"added_finders": [], "worker_module": "multiprocessing.pool"}


def test_by_default_only_the_pool_worker_is_wrapped_at_import():
    assert _run(_REPORT) == {
        "added_finders": [],
        "worker_replaced": True,
        "stdlib_functions_replaced": [],
    }
    # Imported after sentry_lite: wrapped when it is imported, the finder gone after.
    late = _run(_LATE_IMPORT)
    assert late["worker_module"] == "sentry_lite.transport.processes"


def test_the_wrapped_pool_without_a_client_behaves_as_the_original():
    result = run_script(
        """
        import multiprocessing, sentry_lite
        from sentry_lite.transport import processes

        context = multiprocessing.get_context("fork")
        settles = context.Value("i", 0)

        def count_settle():  # counts what the wrapper would add to each result
            with settles.get_lock():
                settles.value += 1

        processes.settle_transports = count_settle

        def square(n):
            return n * n

        if __name__ == "__main__":
            with context.Pool(2) as pool:
                results = pool.map(square, range(5), chunksize=1)
            print(results, settles.value, multiprocessing.pool.worker.__module__)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[0, 1, 4, 9, 16] 0 sentry_lite.transport.processes"
