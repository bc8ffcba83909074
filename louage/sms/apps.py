from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "louage.sms"
    label = "sms"
    verbose_name = "SMS"

    def ready(self):
        from . import subscribers  # noqa: F401  (registers the domain event subscribers)
