"""`{% pwa_head %}`: what every page's <head> needs for the installable app (manifest in the
page's language, theme colour, the script that registers the service worker)."""

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from louage.core import clock
from louage.core.offline import cache_namespace
from louage.core.pwa import THEME_COLOR
from louage.core.times import format_local

register = template.Library()


@register.simple_tag(takes_context=True)
def pwa_head(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    # Shown by pwa.js when this page is read from the phone's copy, without a network.
    now = clock.now()
    note = _("Hors ligne · dernière mise à jour le %(day)s à %(time)s") % {
        "day": format_local(now, "date"),
        "time": format_local(now, "time"),
    }
    return format_html(
        '<link rel="manifest" href="{}?lang={}">\n'
        '  <meta name="theme-color" content="{}">\n'
        '  <link rel="apple-touch-icon" href="{}">\n'
        '  <script src="{}" defer data-worker="{}" data-cache="{}" data-logout="{}"'
        ' data-offline-note="{}"></script>',
        reverse("manifest"),
        translation.get_language(),
        THEME_COLOR,
        static("img/icon-192.png"),
        static("js/pwa.js"),
        reverse("service_worker"),
        cache_namespace(user),
        reverse("account_logout"),
        note,
    )
