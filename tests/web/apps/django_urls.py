"""The URLconf of the Django test app (``django_app.py``)."""

from __future__ import annotations

import django_views as views
from django.urls import include, path, re_path

urlpatterns = [
    path("ok", views.ok),
    path("users/<int:user_id>/fail", views.fail),
    path("users/<int:user_id>/async-fail", views.async_fail),
    re_path(r"^legacy/(?P<slug>[\w-]+)/$", views.fail_legacy),
    path("shop/", include([path("orders/<slug:order>/", views.OrderView.as_view())])),
    path("not-found", views.not_found),
    path("forbidden", views.forbidden),
    path("suspicious", views.suspicious),
    path("submit", views.submit),
    path("upload", views.upload),
    path("raw-read", views.raw_read),
    path("stream", views.stream),
    path("signal", views.signal_fails),
    path("finished-fail", views.finished_fails),
    path("robust-signal", views.robust_signal),
    path("me/fail", views.me_fail),
    path("me/untouched", views.me_untouched),
    path("query-params", views.query_params),
]
