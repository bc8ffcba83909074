from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve

from louage.accounts.views import ConfirmEmailView
from louage.api import api
from louage.core import pwa
from louage.core import views as core_views
from louage.core.observability import metrics_view

handler400 = "louage.core.views.bad_request"
handler403 = "louage.core.views.permission_denied"
handler404 = "louage.core.views.page_not_found"
handler500 = "louage.core.observability.server_error"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    re_path(r"^hors-ligne/(?P<language>fr|ar|en)/$", pwa.offline, name="offline"),
    path("api/v1/", api.urls),
    re_path(
        r"^accounts/confirm-email/(?P<key>[-:\w]+)/$",
        ConfirmEmailView.as_view(),
        name="account_confirm_email",
    ),
    # The login email changes only through our page (password + confirmation).
    path(
        "accounts/email/",
        RedirectView.as_view(pattern_name="accounts:email_change"),
        name="account_email",
    ),
    # allauth's token sign-in for Google One Tap and Facebook's JS SDK: our pages use neither
    # (apps sign in through /api/v1/auth/social/), and a crafted token made it answer 500.
    re_path(r"^accounts/(?:google|facebook)/login/token/$", core_views.page_not_found),
    # allauth's logout, with Clear-Site-Data: the phone keeps nothing of the session.
    path("accounts/logout/", pwa.forgetful_logout),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("", include("louage.accounts.urls")),
    path("", include("louage.stations.urls")),
    path("", include("louage.trips.urls")),
    path("", include("louage.booking.urls")),
    path("", include("louage.tickets.urls")),
    path("", include("louage.payments.urls")),
    path("", include("louage.notifications.urls")),
    path("", include("louage.auditlog.urls")),
    path("", include("louage.reporting.urls")),
    path("", include("louage.queues.urls")),
    path("", include("louage.opendata.urls")),
    path("", include("louage.sms.urls")),
    path("", include("louage.webhooks.urls")),
    # Avatars are small and public; behind nginx, serve MEDIA_ROOT directly instead.
    re_path(r"^media/(?P<path>avatars/[\w.-]+)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
