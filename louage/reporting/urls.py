from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("gestion/rapports/", views.dashboard, name="dashboard"),
    path("gestion/rapports/<slug:table>.csv", views.export, name="export"),
]
