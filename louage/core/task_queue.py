"""The background task queue's housekeeping.

django-tasks' database backend marks a task RUNNING when a worker takes it. A worker killed
outright (SIGKILL, a machine lost) never finishes it, and nothing would ever run it again.
A task RUNNING for longer than TASK_STALLED_SECONDS — far beyond any task of Louage, which
sends an email or expires a hold — is handed back to the queue. Every task is written to run
twice harmlessly (at least once, as design.md §4 says of events).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("louage.tasks")


def requeue_stalled_tasks():
    cutoff = timezone.now() - timedelta(seconds=settings.TASK_STALLED_SECONDS)
    count = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(status=TaskResultStatus.READY, started_at=None)
    if count:
        logger.warning("%s stalled task(s) handed back to the queue", count)
    return count
