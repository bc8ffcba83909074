from django.urls import path

from . import views

app_name = "booking"

urlpatterns = [
    path("departs/<int:trip_id>/reserver/", views.reserve, name="reserve"),
    path("reservations/", views.my_reservations, name="mine"),
    path("reservations/reprendre/", views.resume, name="resume"),
    path("reservations/<int:reservation_id>/", views.reservation_detail, name="detail"),
    path("reservations/<int:reservation_id>/annuler/", views.cancel, name="cancel"),
    path("reservations/<int:reservation_id>/recu/", views.receipt, name="receipt"),
    path("reservations/<int:reservation_id>/encaisser/", views.confirm_cash, name="confirm_cash"),
    path("guichet/reservations/", views.station_reservations, name="station"),
    path("guichet/vente/", views.desk_sale, name="desk_sale"),
    path("guichet/aujourdhui/", views.today, name="today"),
]
