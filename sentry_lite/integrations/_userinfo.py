# URL hygiene: the ``user:password@`` part of URLs never leaves in a breadcrumb.
#
# This is not the scrubber (sentry_lite.scrubber masks secrets by key and by
# value pattern everywhere); it only makes sure the integrations that record
# URLs and command lines do not write credentials in the first place.

from __future__ import annotations

import re

__all__ = ["FILTERED_USERINFO", "mask_userinfo", "strip_userinfo"]

FILTERED_USERINFO = "[Filtered]@"

# scheme://userinfo@ — userinfo holds no "/", "?", "#", "@" or whitespace.
_USERINFO = r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)[^/?#@\s]+@"


def mask_userinfo(text: str) -> str:
    # ``text`` with the userinfo of every URL in it replaced by ``[Filtered]``.
    if "@" not in text or "://" not in text:
        return text
    # re caches the compiled pattern; compiling at import would cost init() time.
    return re.sub(_USERINFO, lambda match: match.group("scheme") + FILTERED_USERINFO, text)


def strip_userinfo(netloc: str) -> str:
    # A URL's network location without its userinfo: ``host[:port]``.
    return netloc.rpartition("@")[2]
