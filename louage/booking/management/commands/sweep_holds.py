import time

from django.core.management.base import BaseCommand

from louage.booking.services import expire_stale_holds


class Command(BaseCommand):
    help = "Expire pending reservations whose hold is over, once or every N seconds."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, default=0, help="repeat every N seconds (0: once)"
        )

    def handle(self, *args, every=0, **options):
        while True:
            expired = expire_stale_holds()
            if expired:
                self.stdout.write(f"expired {expired} hold(s)")
            if not every:
                return
            time.sleep(every)
