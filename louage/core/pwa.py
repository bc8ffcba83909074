"""The installable app: its manifest (in the page's language), its service worker (served from
the site's root so it may control every page) and the page shown for a page that needs the
network. What the worker keeps is decided by louage.core.offline."""

import functools
import hashlib
import json
from functools import cache

from allauth.account.views import LogoutView
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache

THEME_COLOR = "#0b6e4f"  # --green in louage.css
BACKGROUND_COLOR = "#ffffff"
# What every page needs to show offline: kept when the worker installs.
PRECACHE = (
    "css/louage.css",
    "js/louage.js",
    "js/pwa.js",
    "js/countdown.js",
    "js/checkin.js",
    "vendor/htmx.min.js",
    "img/favicon.svg",
    "img/icon-192.png",
)


def _language(request):
    wanted = request.GET.get("lang")
    if wanted in dict(settings.LANGUAGES):
        return wanted
    return translation.get_language() or settings.LANGUAGE_CODE


@login_not_required
@cache_control(public=True, max_age=3600)
def manifest(request):
    with translation.override(_language(request)):
        icons = [
            {"src": static(f"img/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
            for size in (192, 512)
        ] + [
            {
                "src": static(f"img/icon-maskable-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "maskable",
            }
            for size in (192, 512)
        ]
        data = {
            "id": "/",
            "name": _("Louage · places dans les louages de Tunisie"),
            "short_name": "Louage",  # the brand, written the same in every language
            "description": _("Réservez votre place dans les louages de Tunisie."),
            "lang": translation.get_language(),
            "dir": "rtl" if translation.get_language_bidi() else "ltr",
            "start_url": "/?source=app",
            "scope": "/",
            "display": "standalone",
            "orientation": "portrait",
            "theme_color": THEME_COLOR,
            "background_color": BACKGROUND_COLOR,
            "icons": icons,
        }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@cache
def _worker_config():
    offline = {code: reverse("offline", args=[code]) for code, _name in settings.LANGUAGES}
    precache = [static(name) for name in PRECACHE]
    sources = [get_template(name).template.source for name in ("core/sw.js", "core/sw_push.js")]
    icon = static("img/icon-192.png")
    # A new worker (and fresh kept files) whenever the script or a kept file's URL changes.
    version = hashlib.sha256(json.dumps([sources, precache, offline]).encode()).hexdigest()[:12]
    return {"version": version, "precache": precache, "offline": offline, "icon": icon}


@login_not_required
@never_cache
def service_worker(request):
    body = render_to_string("core/sw.js", {"config": json.dumps(_worker_config())})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@login_not_required
def offline(request, language):
    """The page the worker shows for a page it has no copy of: the same for everyone (no
    personal data, kept at install), in the language of the last page seen."""
    with translation.override(language):
        return render(request, "core/offline.html", {"LANG": language})


def forgetful(view):
    """A logout view whose POST answer tells the browser to drop what it kept of the session's
    pages (`Clear-Site-Data: "cache"`); the page script also deletes the service worker's
    copies before posting. Wraps allauth's own view (same name and module)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "POST":
            response["Clear-Site-Data"] = '"cache"'
        return response

    return wrapper


forgetful_logout = forgetful(LogoutView.as_view())
