from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "louage.core"
    label = "core"
    verbose_name = "Louage"

    def ready(self):
        from . import housekeeping, idempotency

        housekeeping.chore(idempotency.forget_old_keys)
