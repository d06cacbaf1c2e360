"""Background work for conversations, run by Django's task framework."""

from django.tasks import task

from .models import Conversation


@task
def refresh_analysis(conversation_id: int) -> None:
    """Bring the conversation's cached opinion analysis up to date with its votes."""
    from . import services

    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is not None:
        services.analysis_refresh(conversation)
