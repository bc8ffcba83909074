from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from louage.api import api
from louage.core import views as core_views

handler400 = "louage.core.views.bad_request"
handler403 = "louage.core.views.permission_denied"
handler404 = "louage.core.views.page_not_found"
handler500 = "louage.core.views.server_error"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/v1/", api.urls),
    # allauth's token sign-in for Google One Tap and Facebook's JS SDK: our pages use neither
    # (apps sign in through /api/v1/auth/social/), and a crafted token made it answer 500.
    re_path(r"^accounts/(?:google|facebook)/login/token/$", core_views.page_not_found),
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
    # Avatars are small and public; behind nginx, serve MEDIA_ROOT directly instead.
    re_path(r"^media/(?P<path>avatars/[\w.-]+)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
