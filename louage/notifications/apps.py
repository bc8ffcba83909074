from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "louage.notifications"
    label = "notifications"
    verbose_name = "Notifications"
