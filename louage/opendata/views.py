from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import selectors, services

RETRY_AFTER_SECONDS = 60
CACHE_SECONDS = 300


@login_not_required
@require_safe
def gtfs_feed(request):
    """The feed as last built by the task worker (never built here): 304 to a conditional
    GET that has it; 503 with Retry-After while there is none yet (a build is then queued)."""
    feed = selectors.current_feed()
    if feed is None or not feed.name:
        return _not_ready()
    headers = {
        "ETag": f'"{feed.etag}"',
        "Last-Modified": http_date(feed.built_at.timestamp()),
        "Cache-Control": f"public, max-age={CACHE_SECONDS}",
    }
    unchanged = get_conditional_response(
        request, etag=headers["ETag"], last_modified=int(feed.built_at.timestamp())
    )
    if unchanged is not None:
        for name, value in headers.items():
            unchanged[name] = value
        return unchanged
    try:
        handle = services.storage().open(feed.name, "rb")
    except FileNotFoundError:  # the storage lost it (a new machine, a cleaned disk)
        return _not_ready()
    response = FileResponse(
        handle, content_type="application/zip", as_attachment=True, filename="gtfs.zip"
    )
    for name, value in headers.items():
        response[name] = value
    return response


def _not_ready():
    services.request_rebuild()
    response = HttpResponse(
        _("Le flux GTFS est en cours de préparation : réessayez dans une minute."),
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
