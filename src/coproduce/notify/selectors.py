"""Reading notifications."""

from coproduce.hubs.models import Person

from .models import Notification


def notifications_for(person: Person, *, unread_only: bool = False):
    found = Notification.objects.filter(recipient=person).select_related("hub", "for_person")
    if unread_only:
        found = found.filter(read_at__isnull=True)
    return found.order_by("-created_at", "-id")


def unread_count(person: Person) -> int:
    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()
