"""Headers Django has no setting for."""

from django.conf import settings


def permissions_policy(get_response):
    """Permissions-Policy on every response: the browser features no page uses (camera,
    microphone, location, payment…) are turned off for this site and anything it embeds."""

    def middleware(request):
        response = get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response

    return middleware
