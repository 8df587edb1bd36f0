"""The Django app of the framework tests: one module is settings, URLconf and views.

``gunicorn 'django_app:served_wsgi()'`` and ``uvicorn --factory
django_app:served_asgi`` run it with ``sentry_lite.init()`` reading
``SENTRY_DSN`` (after Django is set up: init may come last); the test-client
tests call :func:`setup` and init the SDK themselves. A request names its
user with the ``X-Test-User`` header: the user is loaded lazily, as Django's
``AuthenticationMiddleware`` does, so only a view that looks at it loads it.
"""

from __future__ import annotations

import django
from django.conf import settings

import sentry_lite


def setup() -> None:
    """Configure and set up Django once per process (before or after ``init()``)."""
    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        SECRET_KEY="django-app-of-the-tests",
        ROOT_URLCONF="django_urls",
        ALLOWED_HOSTS=["*"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
        MIDDLEWARE=[
            "django_views.FailingMiddleware",
            "django_views.LazyUserMiddleware",
        ],
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    django.setup()


def served_wsgi():  # gunicorn's factory
    setup()
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    sentry_lite.init(shutdown_timeout=5)
    return application


def served_asgi():  # uvicorn's factory
    setup()
    from django.core.asgi import get_asgi_application

    application = get_asgi_application()
    sentry_lite.init(shutdown_timeout=5)
    return application
