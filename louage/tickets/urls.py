from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("reservations/<int:reservation_id>/billet/", views.ticket, name="ticket"),
    path("reservations/<int:reservation_id>/billet.pdf", views.download, name="download"),
    path("guichet/embarquement/", views.check_in_page, name="check_in"),
    path("guichet/embarquement/valider/", views.check_in, name="check_in_submit"),
]
