"""Background work for the time bank, run by Django's task framework."""

from django.tasks import task


@task
def write_export(export_id: int) -> str:
    """Write a large CSV a coordinator asked for and tell them it is ready."""
    from . import exports

    return exports.run(export_id)
