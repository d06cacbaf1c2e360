"""Background work for conversations, run by Django's task framework."""

from django.tasks import task

from .models import Conversation


@task
def refresh_analysis(conversation_id: int, force: bool = False) -> None:
    """Bring the conversation's cached opinion analysis up to date with its votes (and,
    with `force`, with which statements are showing). Asked for by services.analysis_wanted,
    at most one waiting per conversation; does nothing when another refresh already did
    the work."""
    from . import services

    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is not None:
        services.analysis_refresh(conversation, force=force)
