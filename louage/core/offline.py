"""The installable app's offline side: which pages the service worker keeps, and for whom.

A view decorated with `offline_copy` answers with `X-Offline-Copy: <cache namespace>`; the
service worker (templates/core/sw.js) keeps a copy of such a page only, in a cache named
after the namespace. The namespace is a keyed hash of the signed-in user (or `visitor`), so
a phone shared by two people never shows one the other's tickets, and the page script deletes
every namespace but the current one (and all of them at logout).
"""

import functools

from django.utils.crypto import salted_hmac

VISITOR = "visitor"


def cache_namespace(user):
    """A name for the user's offline copies that does not reveal who they are."""
    if not getattr(user, "is_authenticated", False):
        return VISITOR
    return salted_hmac("louage.offline-cache", str(user.pk), algorithm="sha256").hexdigest()[:20]


def offline_copy(*, key=None):
    """Let the service worker keep this page for offline reading; `key` keeps one copy under
    that URL whatever the query (the last search)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            # htmx fragments are never pages to show on their own.
            whole_page = "HX-Request" not in request.headers
            if request.method == "GET" and response.status_code == 200 and whole_page:
                response["X-Offline-Copy"] = cache_namespace(request.user)
                if key:
                    response["X-Offline-Key"] = key
            return response

        return wrapper

    return decorator
