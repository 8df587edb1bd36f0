"""A small shop program that fails the way real ones do, reporting to your server.

    SENTRY_DSN=https://<key>@<host>/<project_id> .venv/bin/python examples/demo_app.py
    .venv/bin/python examples/demo_app.py https://<key>@<host>/<project_id>

It sends four events, then exits:

1. a customer types "twelve" as a quantity: ValueError, captured and handled;
2. a setting is missing: ConfigError raised from KeyError (a chained exception);
3. a payment is declined, with the user, tags and breadcrumbs on its own scope;
4. a background thread crashes: reported by the SDK's threading hook (Python
   still prints the thread's traceback to stderr, as it always does).
"""

from __future__ import annotations

import os
import sys
import threading

import sentry_lite

PRICES_IN_CENTS = {"widget": 250, "gadget": 1200}


class ConfigError(Exception):
    """A required setting is missing or wrong."""


class PaymentDeclined(Exception):
    """The payment provider refused the charge."""


def parse_quantity(raw: str) -> int:
    text = raw.strip()
    return int(text)  # "twelve" -> ValueError; the event shows raw and text


def order_total(sku: str, raw_quantity: str) -> int:
    unit_price = PRICES_IN_CENTS[sku]
    quantity = parse_quantity(raw_quantity)
    return unit_price * quantity


def read_setting(config: dict[str, str], key: str) -> str:
    try:
        return config[key]
    except KeyError as missing:
        raise ConfigError(f"setting {key!r} is not configured") from missing


def charge_card(card_last4: str, amount_cents: int) -> None:
    if card_last4 == "0002":
        raise PaymentDeclined(f"card ending {card_last4} declined: insufficient funds")


def nightly_report() -> None:
    todays_orders: list[int] = []
    average = sum(todays_orders) / len(todays_orders)  # ZeroDivisionError on a quiet day
    print(f"average order: {average / 100:.2f} EUR")


def checkout(customer_id: str, username: str) -> str | None:
    # Scope data lasts until it is cleared: in its own isolation scope (as a web
    # framework gives each request), it is on this checkout's events only, not
    # on the thread crash that comes after.
    with sentry_lite.isolation_scope():
        sentry_lite.set_user({"id": customer_id, "username": username})
        sentry_lite.set_tag("checkout.step", "payment")
        sentry_lite.add_breadcrumb(category="cart", message="added 3 x gadget", level="info")
        amount_cents = order_total("gadget", "3")
        sentry_lite.add_breadcrumb(
            category="payment", message=f"charging {amount_cents} cents", level="info"
        )
        try:
            charge_card("0002", amount_cents)
        except PaymentDeclined:
            return sentry_lite.capture_exception()
    return None


def main() -> int:
    dsn = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SENTRY_DSN", "")
    if not dsn:
        print(__doc__, file=sys.stderr)
        return 2

    # Leaving the block flushes what is queued (up to shutdown_timeout) and closes the SDK.
    with sentry_lite.init(dsn=dsn, release="demo-app@1.0", environment="development"):
        try:
            order_total("widget", "twelve")
        except ValueError:
            print("1. bad quantity      ", sentry_lite.capture_exception())

        try:
            read_setting({"shop_name": "Demo Shop"}, "payment_api_url")
        except ConfigError:
            print("2. missing setting   ", sentry_lite.capture_exception())

        print("3. payment declined  ", checkout(customer_id="42", username="ada"))

        worker = threading.Thread(target=nightly_report, name="nightly-report", daemon=True)
        worker.start()
        worker.join()
        print("4. thread crashed     (reported by the threading hook)")

        # Wait for delivery explicitly: a script that exits at once would
        # otherwise rely on the shutdown_timeout of the exit flush.
        sentry_lite.flush(timeout=5.0)
    print("Done: look for release demo-app@1.0 on your server.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
