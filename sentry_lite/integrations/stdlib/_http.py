# Breadcrumbs for outgoing ``http.client`` requests (urllib3, requests and urllib use it).
#
# ``HTTPConnection.putrequest`` notes the method and URL, ``getresponse``
# records the breadcrumb (``type="http"``, ``category="httplib"``) with
# ``method``, ``url``, ``status_code`` and ``reason``; level ``warning`` for
# 4xx, ``error`` for 5xx or no response. The URL loses its ``user:password@``;
# the query string and fragment go under ``http.query`` and ``http.fragment``
# for the scrubber to see. Requests to the DSN's envelope endpoint are not
# recorded. Making the breadcrumb (``_http_breadcrumb.py``) loads with the
# program's first request.

from __future__ import annotations

from types import ModuleType
from typing import Any, Optional

from sentry_lite._guard import guarded
from sentry_lite.integrations.stdlib._recording import _active_client

_REQUEST_ATTRIBUTE = "_sentry_lite_request"


def _patch_http_client(module: ModuleType) -> None:
    connection_class = module.HTTPConnection
    real_putrequest = connection_class.putrequest
    real_getresponse = connection_class.getresponse

    def putrequest(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        request = None
        with guarded("http.client breadcrumb"):
            request = _describe_request(self, method, url)
        attributes = getattr(self, "__dict__", None)
        if isinstance(attributes, dict):
            attributes[_REQUEST_ATTRIBUTE] = request
        return real_putrequest(self, method, url, *args, **kwargs)

    def getresponse(self: Any, *args: Any, **kwargs: Any) -> Any:
        attributes = getattr(self, "__dict__", None)
        request = attributes.pop(_REQUEST_ATTRIBUTE, None) if isinstance(attributes, dict) else None
        if request is None:
            return real_getresponse(self, *args, **kwargs)
        try:
            response = real_getresponse(self, *args, **kwargs)
        except Exception as error:
            with guarded("http.client breadcrumb"):
                _record_http(request, None, None, error)
            raise
        with guarded("http.client breadcrumb"):
            _record_http(request, response.status, response.reason, None)
        return response

    putrequest.__doc__ = real_putrequest.__doc__
    getresponse.__doc__ = real_getresponse.__doc__
    connection_class.putrequest = putrequest
    connection_class.getresponse = getresponse


def _describe_request(connection: Any, method: str, url: str) -> Optional[dict[str, Any]]:
    # The breadcrumb data of a request about to be sent, or None if it is not recorded.
    client = _active_client()
    if client is None:
        return None  # the SDK's worker thread among others: nothing is loaded for it
    from sentry_lite.integrations.stdlib._http_breadcrumb import describe_request

    return describe_request(client, connection, method, url)


def _record_http(
    data: dict[str, Any], status: Optional[int], reason: Optional[str], error: Optional[Exception]
) -> None:
    from sentry_lite.integrations.stdlib._http_breadcrumb import record_http

    record_http(data, status, reason, error)
