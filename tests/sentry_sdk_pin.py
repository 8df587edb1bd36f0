"""The sentry_sdk that the compatibility tests compare against, pinned.

sentry_lite's option table (``SENTRY_SDK_ONLY_OPTIONS`` and its defaults) and
its list of sentry_sdk names (tests/test_public_api.py) were read from
sentry_sdk 2.75.0; the dev extra and tox.ini install exactly that version. A
test that compares with sentry_sdk calls :func:`pinned_sentry_sdk` first: with
another version installed (or none), it fails and says which one it needs,
rather than comparing against an API the tables were not read from.
"""

from __future__ import annotations

from types import ModuleType

import pytest

#: The sentry_sdk version the tables were read from (pyproject's dev extra pins it).
SENTRY_SDK_VERSION = "2.75.0"

_INSTALL = f"pip install 'sentry-sdk=={SENTRY_SDK_VERSION}' (the dev extra pins it)"


def pinned_sentry_sdk() -> ModuleType:
    """``sentry_sdk``, after checking it is the pinned version; fails the test otherwise."""
    try:
        import sentry_sdk
    except ImportError:
        pytest.fail(
            f"this test compares with sentry_sdk {SENTRY_SDK_VERSION}, which is not installed: "
            f"{_INSTALL}",
            pytrace=False,
        )
    installed = getattr(sentry_sdk, "VERSION", None)
    if installed != SENTRY_SDK_VERSION:
        pytest.fail(
            f"this test compares with sentry_sdk {SENTRY_SDK_VERSION}, the version sentry_lite's "
            f"option table and API list were read from, but sentry_sdk {installed} is installed: "
            f"{_INSTALL}",
            pytrace=False,
        )
    return sentry_sdk
