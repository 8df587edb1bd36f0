"""An exception nobody catches: the excepthook reports it, then Python prints it."""

import sentry_sdk

PRICES = {"widget": 250}


def parse_quantity(raw):
    text = raw.strip()
    return int(text)


def order_total(sku, raw_quantity):
    unit_price = PRICES[sku]
    return unit_price * parse_quantity(raw_quantity)


sentry_sdk.init(release="shop@1.0", environment="differential")
sentry_sdk.add_breadcrumb(category="form", message="quantity submitted")
order_total("widget", " twelve ")
