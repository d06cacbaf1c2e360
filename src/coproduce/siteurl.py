"""The address links in emails start with.

`SITE_URL` when it is set (a deployment sets it); otherwise the scheme, host and port the
current request came in on, so a link works wherever the site is served (the demo on any
`PORT`); with neither (a command or a task outside a request), `http://127.0.0.1:$PORT`.
The middleware remembers the request for the length of that request only.
"""

import contextvars
import os

from django.conf import settings
from django.core.exceptions import DisallowedHost

_request = contextvars.ContextVar("coproduce_request", default=None)


def site_url(request=None) -> str:
    """The site's address without a trailing slash, e.g. "https://coproduce.example.org"."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    request = request or _request.get()
    if request is not None:
        try:
            return f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:
            pass
    return f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}"


def absolute(path: str, request=None) -> str:
    return site_url(request) + path


class RequestSiteMiddleware:
    """Lets code with no request at hand (email after a service) build links from it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
