from django.urls import path

from . import views

app_name = "sms"

urlpatterns = [
    path("sms/kannel/inbound", views.inbound, name="inbound"),
    path("sms/kannel/dlr/<str:token>", views.delivery_report, name="dlr"),
    path("guichet/avis/<int:notice_id>/sms/", views.notice_messages, name="notice"),
    path("gestion/sms/", views.daily_report, name="daily"),
]
