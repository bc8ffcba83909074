from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "louage.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from . import subscribers  # noqa: F401  (registers the domain event subscribers)
