"""An error nobody catches, raised by this module's top level (no function at all)."""

import sentry_sdk

ORDERS = []

sentry_sdk.init(release="shop@1.0", environment="differential")
AVERAGE = sum(ORDERS) / len(ORDERS)
