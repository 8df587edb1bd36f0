"""An exception group (Python 3.11+) whose members were raised, one with a cause, one a group."""

import sentry_sdk


def validate(order, field):
    if field not in order:
        raise KeyError(field)


def check_stock(order):
    try:
        return order["stock"]["gadget"]
    except KeyError as missing:
        raise LookupError("no stock record") from missing


def collect(order):
    errors = []
    for field in ("sku", "quantity"):
        try:
            validate(order, field)
        except KeyError as error:
            errors.append(error)
    try:
        check_stock(order)
    except LookupError as error:
        errors.append(error)
    try:
        raise ExceptionGroup("address is invalid", [ValueError("no city")])  # noqa: F821
    except ExceptionGroup as group:  # noqa: F821
        errors.append(group)
    raise ExceptionGroup("order is invalid", errors)  # noqa: F821


sentry_sdk.init(release="shop@1.0", environment="differential")
try:
    collect({"customer": "ada"})
except ExceptionGroup:  # noqa: F821
    sentry_sdk.capture_exception()
sentry_sdk.flush()
