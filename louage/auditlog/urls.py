from django.urls import path

from . import views

app_name = "auditlog"

urlpatterns = [path("gestion/journal/", views.journal, name="journal")]
