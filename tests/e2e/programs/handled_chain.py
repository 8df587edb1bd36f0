"""A handled, chained exception with scope data: tags, user, extra, a context, breadcrumbs."""

import sentry_sdk


class ConfigError(Exception):
    """A required setting is missing."""


def read_setting(config, key):
    try:
        return config[key]
    except KeyError as missing:
        raise ConfigError(f"setting {key!r} is not configured") from missing


def connect_payments(config):
    retries = 3
    url = read_setting(config, "payment_api_url")
    return url, retries


sentry_sdk.init(release="shop@1.0", environment="differential")
sentry_sdk.set_tag("shop", "demo")
sentry_sdk.set_tags({"region": "eu", "tier": 2})
sentry_sdk.set_user({"id": "42", "username": "ada"})
sentry_sdk.set_extra("attempt", 3)
sentry_sdk.set_context("order", {"id": 17, "total": 36.5, "items": ["gadget", "widget"]})
sentry_sdk.add_breadcrumb(category="cart", message="added 3 x gadget", level="info")
sentry_sdk.add_breadcrumb(
    category="checkout", message="address confirmed", level="debug", data={"country": "NL"}
)
try:
    connect_payments({"shop_name": "Demo Shop"})
except ConfigError:
    sentry_sdk.capture_exception()
sentry_sdk.flush()
