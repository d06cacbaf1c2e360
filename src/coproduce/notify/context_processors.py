from .selectors import unread_count


def whats_new(request):
    """The unread count in the header, for people signed in (one COUNT on an index)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
