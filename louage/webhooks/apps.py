from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "louage.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from . import subscribers  # noqa: F401  (registers the domain event subscriber)
