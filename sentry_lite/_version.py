VERSION = "0.1.0"

#: The SDK's name in events (``sdk.name``) and, with the version, in the
#: ``X-Sentry-Auth`` header's ``sentry_client`` and the ``User-Agent``.
SDK_NAME = "sentry.python.lite"
USER_AGENT = f"{SDK_NAME}/{VERSION}"
