from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "louage.queues"
    label = "queues"
    verbose_name = "Files d'attente"
