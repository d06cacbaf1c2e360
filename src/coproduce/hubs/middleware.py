"""Each person's membership of a hub is looked up once per request (see access.py)."""

from . import access


def memberships_once_per_request(get_response):
    def middleware(request):
        with access.memberships_kept():
            return get_response(request)

    return middleware
