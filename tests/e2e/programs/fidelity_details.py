"""Details a switch must not change: errno, empty params and breadcrumbs, masked and
custom-shown extra, a message cut to max_value_length, an error_sampler that drops
the KeyErrors (the event count says whether it did)."""

import logging

import sentry_sdk


class Order:
    def __repr__(self) -> str:
        return "Order(...)"


def shown(value):
    return "Order #7" if isinstance(value, Order) else None


def sampled(event, hint):
    return 0.0 if isinstance(hint.get("exc_info", (None, None))[1], KeyError) else True


sentry_sdk.init(
    release="shop@1.0",
    environment="differential",
    max_value_length=120,
    custom_repr=shown,
    error_sampler=sampled,
)
sentry_sdk.capture_message("nothing happened before this")
try:
    {}["noisy"]
except KeyError:
    sentry_sdk.capture_exception()
logging.getLogger("shop.cart").error("the cart is empty")
sentry_sdk.set_extra("password", "hunter2")
sentry_sdk.set_extra("order", Order())
sentry_sdk.capture_message("a long message: " + "the quick brown fox " * 10)
try:
    with open("/nonexistent/shop/orders.csv") as orders:
        orders.read()
except OSError:
    sentry_sdk.capture_exception()
sentry_sdk.flush()
