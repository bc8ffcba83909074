from django_tasks import task

from .models import QueuedVehicle, TurnStatus


@task()
def release_no_shows_when_due(turn_id):
    """Scheduled when a vehicle is declared full: at the end of the grace period, release the
    seats of the online travellers who have not boarded (if it has not left meanwhile)."""
    from louage.core.errors import DomainError

    from .services import release_no_shows

    turn = QueuedVehicle.objects.filter(pk=turn_id, status=TurnStatus.LOADING).first()
    if turn is None:
        return 0
    try:
        return len(release_no_shows(queue=turn.queue, by=None, turn_id=turn.pk))
    except DomainError:  # not due yet (clock skew) or already gone: the desk's button remains
        return 0
