"""Any WSGI application, wrapped in SentryWsgiMiddleware (standard library only).

Run it once against your DSN (it calls the app with one request)::

    .venv/bin/python examples/web/wsgi_app.py 'https://<key>@<host>/<project_id>'
"""

from __future__ import annotations

import sys
import wsgiref.util

import sentry_lite
from sentry_lite.integrations.wsgi import SentryWsgiMiddleware


def application(environ, start_response):
    sentry_lite.set_tag("path", environ["PATH_INFO"])
    raise ZeroDivisionError("the report has no rows to average")


app = SentryWsgiMiddleware(application)

if __name__ == "__main__":
    sentry_lite.init(sys.argv[1] if len(sys.argv) > 1 else None)
    environ: dict = {}
    wsgiref.util.setup_testing_defaults(environ)
    environ["PATH_INFO"] = "/reports/monthly"
    try:
        app(environ, lambda status, headers, exc_info=None: None)
    except ZeroDivisionError:
        print("GET /reports/monthly failed; the event shows the request")
    sentry_lite.flush()
