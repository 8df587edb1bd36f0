"""``sentry-lite demo``: a small program that fails, and the events it sends.

The driver starts a :class:`~sentry_lite.local.receiver.Receiver` on 127.0.0.1,
points the SDK at it and runs a tiny shop that goes wrong four ways:

1. a customer types ``twelve`` as a quantity (``ValueError``, captured);
2. a setting is missing (``ConfigError`` raised from ``KeyError``, captured);
3. a payment is declined, with a user, tags and breadcrumbs on its own scope;
4. a background thread crashes (reported by the threading hook).

Then it prints every event the receiver got, as text. Nothing leaves the
machine, and every thread it starts is a daemon.
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
from typing import Optional, TextIO

import sentry_lite
from sentry_lite.local import pretty

__all__ = ["EXPECTED_EVENTS", "run_demo"]

#: How many events the shop program sends.
EXPECTED_EVENTS = 4

_RELEASE = "demo@1.0"
_ENVIRONMENT = "demo"
_THREAD_JOIN_SECONDS = 5.0

# -- the shop program: ordinary code that fails the way real code does ---------------

PRICES_IN_CENTS = {"widget": 250, "gadget": 1200}

SHOP_CONFIG = {"shop_name": "Demo Shop", "currency": "EUR"}


class ConfigError(Exception):
    """A required setting is missing or wrong."""


class PaymentDeclined(Exception):
    """The payment provider refused the charge."""


def parse_quantity(raw: str) -> int:
    """The quantity as the customer typed it: a whole number."""
    text = raw.strip()
    return int(text)


def order_total(sku: str, raw_quantity: str) -> int:
    """Price of an order line in cents."""
    unit_price = PRICES_IN_CENTS[sku]
    quantity = parse_quantity(raw_quantity)
    return unit_price * quantity


def read_setting(config: dict[str, str], key: str) -> str:
    """A required setting, or ConfigError naming it."""
    try:
        return config[key]
    except KeyError as missing:
        raise ConfigError(f"setting {key!r} is not configured") from missing


def charge_card(card_last4: str, amount_cents: int) -> None:
    """Pretend to charge a card; cards ending in 0002 are always declined."""
    if card_last4 == "0002":
        raise PaymentDeclined(f"card ending {card_last4} declined: insufficient funds")


def average_order_value(order_totals: list[int]) -> float:
    """Mean order value in cents."""
    return sum(order_totals) / len(order_totals)


def nightly_report() -> None:
    """A background job: it forgets that a quiet day has no orders."""
    todays_orders: list[int] = []
    average = average_order_value(todays_orders)
    print(f"average order: {average / 100:.2f} EUR")


def checkout(customer_id: str, username: str) -> None:
    """Put an order through checkout; the payment step fails.

    It runs in its own isolation scope, as a web framework runs each request:
    the user, tags and breadcrumbs it sets are on its event, not on the
    events captured after it returns (without it, the crashed thread's would
    carry them: scope data lasts until it is cleared).
    """
    with sentry_lite.isolation_scope():
        sentry_lite.set_user({"id": customer_id, "username": username})
        sentry_lite.set_tag("checkout.step", "payment")
        sentry_lite.set_tag("payment.provider", "demo-pay")
        sentry_lite.add_breadcrumb(category="cart", message="added 3 x gadget", level="info")
        sentry_lite.add_breadcrumb(
            category="checkout", message="shipping address confirmed", level="info"
        )
        amount_cents = order_total("gadget", "3")
        sentry_lite.add_breadcrumb(
            category="payment",
            message=f"charging {amount_cents} cents to card *0002",
            level="info",
        )
        try:
            charge_card("0002", amount_cents)
        except PaymentDeclined:
            sentry_lite.capture_exception()


def take_order(sku: str, raw_quantity: str) -> None:
    """An order form handler: bad input is reported and the shop goes on."""
    try:
        order_total(sku, raw_quantity)
    except ValueError:
        sentry_lite.capture_exception()


def connect_payments(config: dict[str, str]) -> None:
    """Start the payment client; without its settings the shop runs without payments."""
    try:
        read_setting(config, "payment_api_url")
    except ConfigError:
        sentry_lite.capture_exception()


def run_shop(out: TextIO, *, quiet_thread: bool = True) -> None:
    """Run the four failures, saying what each one is.

    ``quiet_thread`` keeps the traceback Python prints for the crashed thread
    off stderr.
    """
    out.write("  1. a customer types 'twelve' as the quantity    -> capture_exception()\n")
    take_order("widget", "twelve")
    out.write("  2. a setting is missing from the config         -> capture_exception()\n")
    connect_payments(SHOP_CONFIG)
    out.write("  3. a payment is declined (user, tags, crumbs)   -> capture_exception()\n")
    out.write("     (set inside `with sentry_lite.isolation_scope():`, as for one web\n")
    out.write("      request, so they stay off the events captured after it)\n")
    checkout(customer_id="42", username="ada")
    out.write("  4. a background thread crashes                  -> the threading hook\n")
    if _run_crashing_thread(quiet=quiet_thread):
        out.write("     (Python's own hook printed the thread's traceback too; hidden here)\n")


def _run_crashing_thread(*, quiet: bool) -> bool:
    """Run nightly_report on a thread; True if ``quiet`` hid what it printed to stderr."""
    worker = threading.Thread(target=nightly_report, name="nightly-report", daemon=True)
    # The SDK's hook reports the crash and then calls Python's default hook,
    # which prints the traceback to stderr; keep that out of the demo's output.
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr) if quiet else contextlib.nullcontext():
        worker.start()
        worker.join(_THREAD_JOIN_SECONDS)
    return bool(stderr.getvalue())


# -- the driver ---------------------------------------------------------------------


def run_demo(
    out: Optional[TextIO] = None, *, timeout: float = 5.0, width: int = 100, debug: bool = False
) -> int:
    """Run the demo, printing to ``out`` (stdout); 0 if every event arrived, else 1."""
    out = out if out is not None else sys.stdout
    from sentry_lite.local.receiver import Receiver

    receiver = Receiver(host="127.0.0.1", port=0).start()
    try:
        out.write(f"A Sentry-compatible receiver is listening on {receiver.url}\n")
        out.write(f"sentry_lite.init(\n    dsn={receiver.dsn!r},\n")
        out.write(f"    release={_RELEASE!r},\n    environment={_ENVIRONMENT!r},\n)\n\n")
        out.write("Running a small shop program that fails four ways:\n")
        with sentry_lite.init(
            dsn=receiver.dsn,
            release=_RELEASE,
            environment=_ENVIRONMENT,
            debug=debug,
            # The shop lives inside the sentry_lite package; mark it as the app,
            # and the SDK's own frames as a library even in a checkout of it.
            in_app_include=[__name__],
            in_app_exclude=["sentry_lite"],
        ):
            run_shop(out, quiet_thread=not debug)  # with --debug, stderr shows everything
            sentry_lite.flush(timeout)
            events = receiver.wait_for_events(EXPECTED_EVENTS, timeout=timeout)
            out.write(f"\nThe receiver got {len(events)} of {EXPECTED_EVENTS} events.\n")
            for number, event in enumerate(events, start=1):
                rule = f"--- event {number} of {len(events)} "
                out.write(f"\n{rule.ljust(width, '-')}\n")
                out.write(pretty.render_event(event, width=width) + "\n")
            out.write(f"\n{'-' * width}\n{pretty.render_summary(events, width=width)}\n")
    finally:
        receiver.stop()

    if len(events) < EXPECTED_EVENTS:
        out.write(
            f"\nsentry-lite demo: FAILED: expected {EXPECTED_EVENTS} events, the receiver got"
            f" {len(events)} within {timeout:g} s.\n"
            "Run `sentry-lite demo --debug` to see what the SDK did.\n"
        )
        return 1
    out.write(
        "\nTo send events to your own server, pass its DSN to sentry_lite.init():"
        '\nsee sentry_lite docs: Getting started, "Point it at your own server"'
        "\n(offline: python -m pydoc sentry_lite.init).\n"
    )
    return 0
