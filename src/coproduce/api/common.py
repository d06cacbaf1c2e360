"""What every part of the API shares: the key check, the shape of an error, paging, and
the types that keep hostile input out (strict whole numbers, ids a database can hold,
dates in a sane range)."""

import contextlib
import datetime
from typing import Annotated

from django.utils import timezone
from ninja import Field, Header, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.security import HttpBearer
from pydantic import AfterValidator

from coproduce.errors import ApplicationError
from coproduce.forms import DATE_RANGE_MESSAGE, EARLIEST_DATE, LATEST_DATE
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


def key_header():
    """The `Idempotency-Key` header of a call that records something (see
    coproduce/idempotency.py). Keys are per person: nobody else's key can clash."""
    return Header(
        None,
        alias="Idempotency-Key",
        max_length=80,
        description="Any string up to 80 characters, new for each thing you record. Sent "
        "again with the same content, the call returns the first result and records "
        "nothing; with different content it is refused with 409.",
    )


class Problem(Schema):
    detail: str
    field: str | None = None


ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


MAX_ID = 2**63 - 1  # the largest id a database column holds
MAX_PAGE = 500
MAX_OFFSET = 10**9

# An id in a JSON body: a whole number (not true, 1.0 or "1") that a database can hold.
Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]


def _date_in_range(value: datetime.date) -> datetime.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(DATE_RANGE_MESSAGE)
    return value


SaneDate = Annotated[datetime.date, AfterValidator(_date_in_range)]


class Pages(LimitOffsetPagination):
    """`?limit=&offset=`, bounded: a limit above 500 or an offset past a billion is a 422
    naming the parameter, never a database error."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_PAGE, description=f"At most {MAX_PAGE}.")
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs):
        super().__init__(max_limit=MAX_PAGE, **kwargs)


class Mapped:
    """A queryset to page with `@paginate(Pages)` whose rows are turned into answers by
    `render`, for only the rows of the page asked for: the list is never read whole."""

    def __init__(self, queryset, render):
        self.queryset = queryset
        self.render = render

    def all(self):  # what the paginator counts
        return self.queryset.all()

    def __getitem__(self, window: slice):
        return [self.render(row) for row in self.queryset[window]]


@contextlib.contextmanager
def named_as(**renamed):
    """Name a service's field as the API does (a service's `lead` is `lead_id` there)."""
    try:
        yield
    except ApplicationError as error:
        error.field = renamed.get(error.field, error.field)
        raise


def _aware(value: datetime.datetime) -> datetime.datetime:
    if not 1900 <= value.year <= 2100:
        raise ValueError("Enter a time between 1900 and 2100.")
    if timezone.is_naive(value):
        return timezone.make_aware(value)  # the hub's local time
    return value


# A time in a JSON body: ISO 8601; without an offset it is the hub's local time.
When_ = Annotated[datetime.datetime, AfterValidator(_aware)]
