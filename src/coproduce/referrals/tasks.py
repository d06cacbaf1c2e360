"""Background work for the failsafe, run by Django's task framework."""

from django.tasks import task


@task
def sweep_escalations() -> int:
    """Run the escalation sweep over every hub; returns how many escalations it raised."""
    from . import escalations

    return len(escalations.sweep())
