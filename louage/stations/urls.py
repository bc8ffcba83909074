from django.urls import path

from . import views

app_name = "stations"

urlpatterns = [
    path("stations/", views.station_list, name="list"),
    path("stations/ajouter/", views.station_form, name="create"),
    path("stations/<int:station_id>/", views.station_detail, name="detail"),
    path("stations/<int:station_id>/modifier/", views.station_form, name="edit"),
    path("stations/<int:station_id>/supprimer/", views.station_delete, name="delete"),
    path("stations/<int:station_id>/activation/", views.station_toggle, name="toggle"),
    path("stations/<int:station_id>/tableau/", views.station_board, name="board"),
    path("gestion/vehicules/", views.vehicle_list, name="vehicles"),
    path("gestion/vehicules/ajouter/", views.vehicle_form, name="vehicle_create"),
    path("gestion/vehicules/<int:vehicle_id>/modifier/", views.vehicle_form, name="vehicle_edit"),
    path(
        "gestion/vehicules/<int:vehicle_id>/retirer/", views.vehicle_remove, name="vehicle_remove"
    ),
]
