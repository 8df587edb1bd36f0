"""Messages at several levels, one with scope data set for it alone."""

import sentry_sdk

sentry_sdk.init(release="shop@1.0", environment="differential")
sentry_sdk.set_tag("job", "nightly")
sentry_sdk.capture_message("disk almost full")
sentry_sdk.capture_message("stock is low", level="warning")
with sentry_sdk.new_scope() as scope:
    scope.set_tag("sku", "gadget")
    scope.set_level("fatal")
    scope.fingerprint = ["stock", "gadget"]
    sentry_sdk.capture_message("stock is gone")
sentry_sdk.flush()
