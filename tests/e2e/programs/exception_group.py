"""An ExceptionGroup (Python 3.11+) with two errors inside, captured."""

import sentry_sdk


def check(order):
    errors = []
    for field in ("sku", "quantity"):
        if field not in order:
            errors.append(KeyError(field))
    if errors:
        raise ExceptionGroup("order is invalid", errors)  # noqa: F821 -- Python 3.11+


sentry_sdk.init(release="shop@1.0", environment="differential")
try:
    check({"customer": "ada"})
except ExceptionGroup:  # noqa: F821
    sentry_sdk.capture_exception()
sentry_sdk.flush()
