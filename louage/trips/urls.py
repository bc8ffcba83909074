from django.urls import path

from . import views

app_name = "trips"

urlpatterns = [
    path("departs/", views.search, name="search"),
    path("departs/<int:trip_id>/", views.trip_detail, name="detail"),
    path("gestion/departs/", views.trip_list, name="manage"),
    path("gestion/departs/programmer/", views.trip_create, name="create"),
    path("gestion/departs/options/", views.trip_form_options, name="form_options"),
    path("gestion/durees/", views.route_durations, name="durations"),
    path("gestion/departs/<int:trip_id>/modifier/", views.trip_edit, name="edit"),
    path("gestion/departs/<int:trip_id>/annuler/", views.trip_cancel, name="cancel"),
    path("gestion/departs/<int:trip_id>/parti/", views.trip_departed, name="departed"),
    path("tarifs/", views.fare_list, name="fares"),
    path("tarifs/<int:fare_id>/supprimer/", views.fare_delete, name="fare_delete"),
]
