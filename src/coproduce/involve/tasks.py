"""Background work for involvement, run by Django's task framework."""

from django.tasks import task


@task
def involvement_tick() -> dict:
    """Lapse unanswered offers, send reminders and make the packs due."""
    from .services import sweeps

    return sweeps.tick()
