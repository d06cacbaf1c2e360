"""Background work for notifications, run by Django's task framework."""

from django.tasks import task


@task
def send_digests() -> int:
    """Send every daily and weekly digest that is due; returns how many were sent."""
    from . import digests

    return len(digests.send_digests())
