from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from louage.core import demo


class Command(BaseCommand):
    help = "Fill the database with the demo network and accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never on real data)."
        )
        parser.add_argument(
            "--unless-production",
            action="store_true",
            help="With DEBUG off, do nothing and say so (what `make run` uses).",
        )

    def handle(self, *args, force=False, unless_production=False, **options):
        if not settings.DEVELOPMENT and unless_production and not force:
            self.stdout.write("Production mode (DEBUG off): no demo data.")
            return
        if not settings.DEVELOPMENT and not force:
            raise CommandError("seed_demo refuses to run with DEBUG off; add --force to insist.")
        demo.seed(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Password for every demo account: {demo.DEMO_PASSWORD}"
            )
        )
