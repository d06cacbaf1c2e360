from django.urls import reverse

from coproduce.involve.space.models import Idea, Round
from coproduce.notify.models import Kind
from coproduce.notify.services import tell


def round_url(round_: Round) -> str:
    return reverse("space-round", args=[round_.hub.slug, round_.pk])


def idea_url(idea: Idea) -> str:
    return reverse("space-idea", args=[idea.round.hub.slug, idea.round_id, idea.pk])


def lock(round_: Round) -> Round:
    """The round's row, locked: changes to one round (a vote and the count, two people
    moving it on) are made one after the other."""
    return Round.objects.select_for_update(of=("self",)).select_related("hub").get(pk=round_.pk)


def tell_about(people, round_: Round, subject: str, template: str, url: str, actor, **context):
    tell(
        people,
        actor=actor,
        kind=Kind.SPACE,
        hub=round_.hub,
        subject=subject,
        template=f"involve/space/email/{template}.txt",
        context={"round": round_, **context},
        url=url,
    )
