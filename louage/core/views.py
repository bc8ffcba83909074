from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from louage.core.offline import offline_copy


@login_not_required
@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
def readyz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not ready"
        return JsonResponse(
            {"status": "unavailable", "detail": str(exc.__class__.__name__)}, status=503
        )
    return JsonResponse({"status": "ok"})


@offline_copy()
@login_not_required
def home(request):
    return render(request, "home.html")


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    """403 saying why: who the page is for when we know it, else that the account may not."""
    reason = getattr(exception, "reason", None) or _(
        "Votre compte n'a pas le droit d'ouvrir cette page ou de faire cette action."
    )
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without its security token (a page open too long, a
    session that ended, cookies blocked, or a form posted from another site)."""
    message = _(
        "Le formulaire a expiré ou ne vient pas de ce site : rechargez la page, puis "
        "réessayez. Si cela se répète, autorisez les cookies de ce site."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "csrf_failed"}, status=403)
    return render(request, "errors/403.html", {"reason": message, "csrf": True}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)
