"""The app's URLs plus the benchmark's ceiling: a bare view through the same middleware.

Selected only by the benchmark (ADCMEET_URLCONF=bench.urls); production never routes here.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from adcmeet import urls as app_urls


@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok\n", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *app_urls.urlpatterns]

for _handler in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(app_urls, _handler):
        globals()[_handler] = getattr(app_urls, _handler)
