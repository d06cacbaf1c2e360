"""What every part of the API shares: the key check and the shape of an error."""

from ninja import Schema
from ninja.security import HttpBearer

from coproduce.hubs import access
from coproduce.hubs.services import api_token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = api_token_authenticate(token)
        if found is None:
            return None
        # The services take a person and a hub; the pages get them from the session and
        # the address, the API from the key.
        request.user = found.person
        request.hub = found.hub
        request.membership = access.membership_of(found.person, found.hub)
        return found


class Problem(Schema):
    detail: str
    field: str | None = None


ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}
