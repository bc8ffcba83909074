from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("paiement/sandbox/<str:reference>/", views.sandbox_page, name="sandbox_page"),
    path("reservations/<int:reservation_id>/payer/", views.pay_online, name="pay_online"),
    path("paiements/<int:payment_id>/rembourser/", views.refund, name="refund"),
    path("guichet/caisse/", views.cash_close, name="cash_close"),
]
