from django.apps import AppConfig


class AuditLogConfig(AppConfig):
    name = "louage.auditlog"
    label = "auditlog"
    verbose_name = "Journal"
