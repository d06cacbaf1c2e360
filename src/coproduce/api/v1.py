"""The JSON API, version 1: `/api/v1/`, its schema at `/api/v1/openapi.json`.

Every request carries a key (`Authorization: Bearer cp_…`) made with
`coproduce token create EMAIL --hub SLUG`. A key acts as one person in one hub, so the
API can never reach another hub; within the hub the services apply the same permission
rules as the pages.
"""

from django.core.exceptions import PermissionDenied
from ninja import NinjaAPI, Schema

from coproduce.errors import ApplicationError
from coproduce.involve.api import router as involve_router
from coproduce.involve.space.api import router as space_router
from coproduce.pledges.pledge_api import router as pledges_router
from coproduce.pledges.report_api import router as reports_router
from coproduce.pledges.scorecard_api import router as scorecard_router
from coproduce.referrals.api import router as referrals_router
from coproduce.timebank.api import router as timebank_router

from .common import ERRORS, TokenAuth


class SchemaOnceAPI(NinjaAPI):
    """The OpenAPI schema depends only on the code (the routes and their schemas), not on
    the data or who asks, yet django-ninja builds it afresh (every pydantic model's JSON
    schema) for each request of `openapi.json`. Here it is built once per process, on the
    first request after the routes are all added, and built again if a route is added
    later (the number of operations is part of its key), so it always says what the code
    does. The docs page reads the same schema through its URL."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._schemas: dict[tuple, object] = {}

    def _operations(self) -> int:
        return sum(
            len(view.operations)
            for _prefix, router in self._routers
            for view in router.path_operations.values()
        )

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        key = (path_prefix, len(self._routers), self._operations())
        schema = self._schemas.get(key)
        if schema is None:
            schema = super().get_openapi_schema(path_prefix=path_prefix)
            self._schemas = {key: schema}
        return schema


api = SchemaOnceAPI(
    title="Coproduce API",
    version="1",
    description=__doc__,
    auth=TokenAuth(),
    urls_namespace="api-v1",
)


@api.exception_handler(ApplicationError)
def application_error(request, error: ApplicationError):
    body = {"detail": error.message, "field": error.field}
    if error.details:
        body.update(error.details)
    return api.create_response(request, body, status=error.status)


@api.exception_handler(PermissionDenied)
def permission_denied(request, error: PermissionDenied):
    return api.create_response(request, {"detail": str(error) or "You cannot do this."}, status=403)


class MeOut(Schema):
    person_id: int
    display_name: str
    hub: str
    role: str
    can_coordinate: bool


@api.get("/me", response={200: MeOut, **ERRORS}, tags=["you"])
def me(request):
    """Who this key acts as, in which hub, with what role."""
    return {
        "person_id": request.user.pk,
        "display_name": request.user.display_name,
        "hub": request.hub.slug,
        "role": request.membership.role,
        "can_coordinate": request.membership.can_coordinate,
    }


api.add_router("/", timebank_router)
api.add_router("/", referrals_router)
api.add_router("/", reports_router)
api.add_router("/", pledges_router)
api.add_router("/", scorecard_router)
api.add_router("/", involve_router)
api.add_router("/", space_router)
