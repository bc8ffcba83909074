from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("gtfs.zip", views.gtfs_feed, name="gtfs"),
]
