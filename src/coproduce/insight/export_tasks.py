"""Background work for "Download my data", run by Django's task framework."""

from django.tasks import task


@task
def make_personal_export(export_id: int) -> str:
    """Make the zip of a person's data and tell them it is ready."""
    from . import exports

    return exports.run(export_id)
