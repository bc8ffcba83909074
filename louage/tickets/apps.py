from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "louage.tickets"
    label = "tickets"
    verbose_name = "Billets"
