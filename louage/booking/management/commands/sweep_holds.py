import logging
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from louage.booking.services import expire_stale_holds, remind_expiring_holds
from louage.core import housekeeping
from louage.core.task_queue import requeue_stalled_tasks

logger = logging.getLogger("louage.booking")


class Command(BaseCommand):
    help = (
        "Expire pending reservations whose hold is over, remind those about to, run the apps' "
        "chores and requeue tasks a dead worker left running: once, or every N seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, default=0, help="repeat every N seconds (0: run once)"
        )
        parser.add_argument(
            "--once", action="store_true", help="run a single sweep, whatever --every says"
        )

    def handle(self, *args, every=0, once=False, **options):
        if once or every <= 0:
            self._sweep()
            return
        while True:
            try:
                self._sweep()
            except DatabaseError:
                # A database restart must not kill the scheduler: the next round retries.
                logger.exception("hold sweep failed; retrying in %s s", every)
                close_old_connections()
            time.sleep(every)

    def _sweep(self):
        requeue_stalled_tasks()
        housekeeping.run()  # the chores other apps registered (overdue webhooks, a stale GTFS feed…)
        remind_expiring_holds()
        expired = expire_stale_holds()
        if expired:
            logger.info("expired %s hold(s)", expired)
        return expired
