"""One footprint run: ``python -I -S _footprint_case.py PATH SDK SETTING DSN``.

Prints the process's RSS (kB) after import + init + 2,000 captures + flush
(or, for SDK ``none``, after the same program with no SDK), as one JSON line.

The script imports nothing at the top beyond what the interpreter has
loaded before it runs (``sys``): whatever else ends up in the process was
brought by the SDK or, in the ``apps`` setting, by Flask, FastAPI and httpx.
PATH is the only directory it imports from (the driver builds it: links to
the distributions of the setting and nothing else, see ``_footprint.py``).
"""

import sys

CAPTURES = 2000
FLUSH_EVERY = 50


def rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * 4096 // 1024


def fail(depth: int) -> None:
    if depth <= 1:
        raise ValueError(f"failed at depth {depth}")
    fail(depth - 1)


def main() -> None:
    path, sdk, setting, dsn = sys.argv[1:5]
    sys.path.insert(0, path)
    if setting == "apps":
        import fastapi  # noqa: F401
        import flask  # noqa: F401
        import httpx  # noqa: F401
    module = None
    if sdk == "lite":
        import sentry_lite as module
    elif sdk == "sdk":
        import sentry_sdk as module
    if module is not None:
        module.init(dsn, shutdown_timeout=2.0)
    for index in range(CAPTURES):
        try:
            fail(3)
        except ValueError:
            if module is not None:
                module.capture_exception()
        if module is not None and index % FLUSH_EVERY == FLUSH_EVERY - 1:
            module.flush(10)
    if module is not None:
        module.flush(30)
    import gc  # built in: no memory of its own to speak of

    gc.collect()
    rss = rss_kb()
    modules = len(sys.modules)
    print(f'{{"rss_kb": {rss}, "modules": {modules}, "captured": {CAPTURES}}}', flush=True)


if __name__ == "__main__":
    main()
