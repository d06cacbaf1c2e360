"""Notifications for what the hubs app announces (hubs imports no other app)."""

from django.dispatch import receiver
from django.urls import reverse

from coproduce.hubs import signals

from .models import Kind
from .services import coordinators_of, tell


@receiver(signals.join_requested)
def tell_coordinators_of_join_request(sender, join_request, **kwargs):
    hub, person = join_request.hub, join_request.person
    tell(
        coordinators_of(hub),
        actor=person,
        kind=Kind.MEMBERSHIP,
        hub=hub,
        subject=f"{person} asks to join {hub.name}",
        template="hubs/email/join_request.txt",
        context={"hub": hub, "person": person, "join_request": join_request},
        url=reverse("coordinate", args=[hub.slug]),
    )


@receiver(signals.join_request_decided)
def tell_person_of_decision(sender, join_request, **kwargs):
    hub = join_request.hub
    tell(
        [join_request.person],
        actor=join_request.decided_by,
        kind=Kind.MEMBERSHIP,
        hub=hub,
        subject=f"Your request to join {hub.name}",
        template="hubs/email/join_decision.txt",
        context={"join_request": join_request, "hub": hub},
        url=reverse("hub-home", args=[hub.slug]),
    )
