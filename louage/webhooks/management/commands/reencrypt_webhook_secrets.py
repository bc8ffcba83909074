from django.core.management.base import BaseCommand, CommandError

from louage.webhooks import services


class Command(BaseCommand):
    help = (
        "Encrypt every stored webhook secret under the current SECRET_KEY. Run it after a key "
        "rotation, while the old key is still in SECRET_KEY_FALLBACKS."
    )

    def handle(self, *args, **options):
        from cryptography.fernet import InvalidToken

        try:
            count = services.reencrypt_secrets()
        except InvalidToken:
            raise CommandError(
                "a stored secret was encrypted under a key that is neither SECRET_KEY nor in "
                "SECRET_KEY_FALLBACKS: put the old key back in SECRET_KEY_FALLBACKS and run "
                "this again"
            ) from None
        self.stdout.write(f"webhook secrets encrypted under the current key: {count}")
