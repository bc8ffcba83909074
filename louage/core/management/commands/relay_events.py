import logging
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from louage.core.events import relay

logger = logging.getLogger("louage.events")


class Command(BaseCommand):
    help = "Hand recorded domain events to their subscribers: once, or every N seconds."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=0.5, help="pause when nothing waits (seconds)"
        )
        parser.add_argument("--once", action="store_true", help="relay what waits, then stop")

    def handle(self, *args, interval=0.5, once=False, **options):
        if once:
            while relay():
                pass
            return
        pause = interval
        while True:
            try:
                relayed = relay()
                pause = interval
            except DatabaseError:
                # The database went away: wait for it and go on, losing nothing (the events
                # are still in their table).
                logger.warning("event relay: database unavailable, retrying in %.1f s", pause)
                close_old_connections()
                relayed = 0
                pause = min(pause * 2, 5)
            if not relayed:
                time.sleep(pause)
            close_old_connections()
