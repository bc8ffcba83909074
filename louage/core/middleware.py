from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Refuse bodies over REQUEST_MAX_BYTES with 413 before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            limit_mb = settings.REQUEST_MAX_BYTES // (1024 * 1024)
            message = _("La requête est trop volumineuse (%(mb)s Mo au plus).") % {"mb": limit_mb}
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "too_large"}, status=413)
            return render(request, "errors/413.html", {"message": message}, status=413)
        return self.get_response(request)
