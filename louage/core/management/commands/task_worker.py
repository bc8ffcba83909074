"""django-tasks' `db_worker`, made to outlive the database.

The stock worker exits on the first connection error, so a PostgreSQL restart would leave
tasks waiting until someone restarts it. This one waits, reconnects and carries on: a task
that fell due during the outage runs as soon as the database is back. Options are those of
`db_worker`.
"""

import logging
import time

from django.db import DatabaseError, close_old_connections
from django_tasks_db.management.commands import db_worker

from louage.core.task_queue import requeue_stalled_tasks

logger = logging.getLogger("louage.tasks")
MAX_PAUSE_SECONDS = 5


class ResilientWorker(db_worker.Worker):
    def run(self):
        pause = 0.5
        while self.running:
            try:
                requeue_stalled_tasks()  # what a killed worker left RUNNING
                super().run()
                return  # --batch or --max-tasks: a normal end
            except DatabaseError as exc:
                if not self.running:
                    return
                logger.warning("task worker %s: database unavailable (%s); retrying in %.1f s",
                               self.worker_id, exc, pause)  # fmt: skip
                close_old_connections()
                time.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE_SECONDS)
                self.startup_delay = False


class Command(db_worker.Command):
    help = "Run background tasks (django-tasks database backend); survives database outages."

    def handle(self, *args, **options):
        original = db_worker.Worker
        db_worker.Worker = ResilientWorker  # the stock command builds its worker from here
        try:
            return super().handle(*args, **options)
        finally:
            db_worker.Worker = original
