"""Errors reported through logging: a message with arguments, and logger.exception."""

import logging

import sentry_sdk

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
sentry_sdk.init(release="shop@1.0", environment="differential")
log = logging.getLogger("shop.payments")
log.info("charging card ending %s", "0002")
log.warning("retrying payment %s", 1, extra={"provider": "demo-pay"})
log.error("payment for order %s failed: %s", 17, "declined")
try:
    {}["currency"]
except KeyError:
    log.exception("cannot price order %s", 18)
sentry_sdk.flush()
