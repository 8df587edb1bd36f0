"""A small Django shop in one file whose checkout fails: the failed request becomes one event.

Run it once against your DSN (it sends one request through Django's test client)::

    .venv/bin/python examples/web/django_app.py 'https://<key>@<host>/<project_id>'

or serve it (``SENTRY_DSN`` set) and open http://127.0.0.1:8000/checkout/42::

    SENTRY_DSN=... .venv/bin/gunicorn --threads 8 --chdir examples/web django_app:application
    SENTRY_DSN=... .venv/bin/uvicorn --app-dir examples/web django_app:asgi_application

A real project keeps settings, URLs and views in their own modules and calls
``sentry_lite.init()`` in ``settings.py`` (or in ``wsgi.py``/``asgi.py``):
the Django integration is on by default.
"""

from __future__ import annotations

import logging
import os
import sys

import django
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

import sentry_lite

log = logging.getLogger("shop")

settings.configure(
    DEBUG=False,
    SECRET_KEY="an-example-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    MIDDLEWARE=[],
)
django.setup()


def checkout(request: HttpRequest, order_id: int) -> HttpResponse:
    sentry_lite.set_user({"id": request.GET.get("customer", "anonymous")})
    sentry_lite.set_tag("order", order_id)
    log.warning("checking out order %s", order_id)  # a breadcrumb of this request
    with connection.cursor() as cursor:  # a `query` breadcrumb (parameters: send_default_pii)
        cursor.execute("SELECT %s AS order_id", [order_id])
    raise RuntimeError(f"payment declined for order {order_id}")


urlpatterns = [path("checkout/<int:order_id>", checkout)]

if __name__ == "__main__":
    sentry_lite.init(sys.argv[1] if len(sys.argv) > 1 else None)
    from django.test import Client

    answer = Client(raise_request_exception=False).get("/checkout/42?customer=c-17&api_key=no")
    print(f"GET /checkout/42 answered {answer.status_code}; the event shows the request")
    sentry_lite.flush()
else:
    from django.core.asgi import get_asgi_application
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    asgi_application = get_asgi_application()
    if os.environ.get("SENTRY_DSN"):
        sentry_lite.init()  # under gunicorn or uvicorn: the DSN from SENTRY_DSN
