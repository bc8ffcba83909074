from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
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
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)
