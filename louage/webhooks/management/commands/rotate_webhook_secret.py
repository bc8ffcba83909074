from django.core.management.base import BaseCommand, CommandError

from louage.webhooks import services
from louage.webhooks.models import Endpoint


class Command(BaseCommand):
    help = (
        "Give a partner's webhook endpoint a new signing secret and print it once (hand it to "
        "the partner; deliveries are signed with it from now on)."
    )

    def add_arguments(self, parser):
        parser.add_argument("endpoint", type=int, help="the endpoint's id (GET /api/v1/webhooks)")

    def handle(self, *args, endpoint, **options):
        found = Endpoint.objects.filter(pk=endpoint).first()
        if found is None:
            raise CommandError(f"no webhook endpoint {endpoint}")
        found, secret = services.rotate_secret(endpoint=found)
        self.stdout.write(secret)
