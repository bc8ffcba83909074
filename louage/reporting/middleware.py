import logging

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

from . import visits

logger = logging.getLogger("louage.reporting")


class VisitCounterMiddleware:
    """Counts HTML page views for the visitor reports (see `visits`): in memory, never a
    database write in the request."""

    def __init__(self, get_response):
        if not settings.VISITS_TRACKING:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        try:
            if visits.is_page_view(request, response):
                visits.record(request)
        except Exception:  # counting must never break a page
            logger.exception("could not count a page view")
        return response
