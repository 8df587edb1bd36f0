"""The Django app of the per-request benchmark: one error request, called as a WSGI server would.

Used by ``_cases.py`` (``web_django``) in a fresh interpreter, after the SDK's
``init()``: settings are configured here, once, with a URL pattern and a view
that raises, so each request runs Django's whole path (middleware-less
handler, URL resolving, the view, Django's 500 and its error log).
"""

from __future__ import annotations

import io
import sys
from typing import Any, Callable


def urlpatterns_module() -> Any:
    from django.urls import path

    def item(request: Any, item_id: int) -> Any:
        raise ValueError(f"item {item_id} failed")

    module = type(sys)("bench_django_urls")
    module.urlpatterns = [path("items/<int:item_id>", item)]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return module


def django_request() -> Callable[[], object]:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=urlpatterns_module().__name__,
        MIDDLEWARE=[],
        DATABASES={},
    )
    django.setup()
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    template = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/items/3",
        "QUERY_STRING": "page=2",
        "SERVER_NAME": "bench",
        "SERVER_PORT": "80",
        "HTTP_HOST": "bench",
        "HTTP_USER_AGENT": "bench",
        "HTTP_ACCEPT": "application/json",
        "wsgi.url_scheme": "http",
    }

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        assert status.startswith("500"), status

    def one_request() -> object:
        environ = dict(template)
        environ["wsgi.input"] = io.BytesIO(b"")
        environ["wsgi.errors"] = io.StringIO()
        response = app(environ, start_response)
        body = b"".join(response)
        getattr(response, "close", lambda: None)()
        return body

    return one_request
