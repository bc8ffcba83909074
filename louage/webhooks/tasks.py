from django_tasks import task


@task()
def deliver(delivery_id):
    """Send one webhook delivery (see services.deliver)."""
    from .services import deliver as send

    return send(delivery_id)
