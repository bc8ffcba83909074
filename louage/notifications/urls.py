from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:notification_id>/lue/", views.notification_read, name="read"),
    path("notifications/tout-lire/", views.notification_read_all, name="read_all"),
    path("notifications/push/abonner/", views.push_subscribe, name="push_subscribe"),
    path("notifications/push/desabonner/", views.push_unsubscribe, name="push_unsubscribe"),
    path("guichet/avis/", views.notice_form, name="notice"),
]
