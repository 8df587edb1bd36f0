"""The views and middleware of the Django test app (``django_app.py``)."""

from __future__ import annotations

import json
import logging
import threading

from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.signals import request_finished, request_started
from django.db import connection
from django.dispatch import Signal, receiver
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.functional import SimpleLazyObject
from django.views import View

import sentry_lite

log = logging.getLogger("django_views")
order_placed = Signal()
stock_changed = Signal()
_finishing = threading.local()


class FailingMiddleware:
    """Raises for ``/middleware-fail``: an error before any view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/middleware-fail":
            raise LookupError("the middleware failed")
        return self.get_response(request)


class LazyUserMiddleware:
    """``request.user`` from the ``X-Test-User`` header, lazy as Django's auth makes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        number = request.headers.get("X-Test-User")
        if number:
            request.user = SimpleLazyObject(lambda: _user(int(number)))
        return self.get_response(request)


def _user(number):
    from django.contrib.auth.models import User

    return User(pk=number, username=f"user{number}", email=f"user{number}@example.com")


@receiver(request_started)
def fail_on_request(sender, environ=None, scope=None, **kwargs):
    headers = dict(scope.get("headers", [])) if scope else {}
    if (environ or {}).get("HTTP_X_FAIL_STARTED") or headers.get(b"x-fail-started"):
        raise ConnectionError("a request_started receiver failed")


@receiver(order_placed)
def notify_warehouse(sender, **kwargs):
    raise TimeoutError("the warehouse receiver failed")


@receiver(request_finished)
def fail_when_finished(sender, **kwargs):
    if getattr(_finishing, "fail", False):
        _finishing.fail = False
        raise BrokenPipeError("a request_finished receiver failed")


@receiver(stock_changed)
def recount_stock(sender, **kwargs):
    raise ArithmeticError("a send_robust receiver failed")


def _run_queries(user_id, tag):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s, %s", [user_id, f"param-{tag}"])


def ok(request):
    tag = request.GET.get("tag")
    if tag:  # a request that succeeds but leaves data on its scope
        sentry_lite.set_tag("leftover", tag)
        sentry_lite.set_user({"id": "someone-else"})
        log.warning("crumb of the ok request")
    return HttpResponse("ok")


def fail(request, user_id):
    tag = request.GET.get("tag", "none")
    sentry_lite.set_user({"id": str(user_id)})
    sentry_lite.set_tag("request_tag", tag)
    log.warning("working on %s", tag)  # a breadcrumb of this request only
    _run_queries(user_id, tag)
    raise ValueError(f"failed for {user_id}")


async def async_fail(request, user_id):
    tag = request.GET.get("tag", "none")
    sentry_lite.set_user({"id": str(user_id)})
    sentry_lite.set_tag("request_tag", tag)
    log.warning("working on %s", tag)
    await sync_to_async(_run_queries)(user_id, tag)
    raise ValueError(f"failed for {user_id}")


def fail_legacy(request, slug):
    raise ValueError(f"legacy {slug}")


class OrderView(View):
    def get(self, request, order):
        raise ValueError(f"order {order}")


def not_found(request):
    raise Http404("no such thing")


def forbidden(request):
    raise PermissionDenied("not yours")


def suspicious(request):
    raise SuspiciousOperation("a forged header")


def submit(request):
    if request.content_type == "application/json":
        payload = json.loads(request.body)
    else:
        payload = request.POST.dict()
    raise RuntimeError(f"could not store {len(payload)} fields")


def upload(request):
    raise RuntimeError(f"could not store {len(request.POST)} fields, {len(request.FILES)} files")


def raw_read(request):
    request.read()  # the stream, consumed by the app: Django has no body to give
    raise RuntimeError("read the stream")


def stream(request):
    def chunks():
        yield "first\n"
        raise OSError("the stream broke")

    return StreamingHttpResponse(chunks())


def signal_fails(request):
    order_placed.send(sender=None)
    return HttpResponse("never")


def finished_fails(request):
    _finishing.fail = True
    return HttpResponse("answered, then the receiver fails")


def robust_signal(request):
    stock_changed.send_robust(sender=None)  # Django logs the receiver's error
    return HttpResponse("answered")


def me_fail(request):
    if request.user.is_authenticated:
        raise ValueError("failed for a user")
    return HttpResponse("anonymous")


def me_untouched(request):
    raise ValueError("the user was never looked at")


def query_params(request):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS notes (body)")
        cursor.executemany("INSERT INTO notes VALUES (%s)", [("note-one",), ("note-two",)])
        cursor.execute("SELECT body FROM notes WHERE body = %s", ["note-one"])
    raise ValueError("after the queries")
