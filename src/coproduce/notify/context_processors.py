from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def whats_new(request):
    """The unread count in the header, for people signed in (one COUNT on an index),
    counted only if the page shows it (a fragment sent to htmx does not)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
