from django.core.management.base import BaseCommand

from louage.opendata.services import build_feed


class Command(BaseCommand):
    help = "Build the GTFS feed now (the task worker rebuilds it by itself when departures change)."

    def handle(self, *args, **options):
        feed = build_feed()
        counts = ", ".join(f"{name} {count}" for name, count in feed.counts.items())
        self.stdout.write(
            f"GTFS feed {feed.name} ({feed.size} bytes, ETag {feed.etag[:12]}…): {counts}"
        )
