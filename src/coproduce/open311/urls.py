"""Open311 GeoReport v2 at /open311/v2/ (included from pledges/urls.py). Each resource ends
in .xml or .json; anything else under /open311/v2/ is the spec's 404 error array."""

from django.urls import path, re_path, register_converter

from . import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class IdConverter:
    """Any text without a slash or a dot: the view says 404 to what is not an id."""

    regex = "[^/.]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


register_converter(FormatConverter, "open311_format")
register_converter(IdConverter, "open311_id")

app_name = "open311"

urlpatterns = [
    path("discovery.<open311_format:fmt>", views.discovery, name="discovery"),
    path("services.<open311_format:fmt>", views.services_list, name="services"),
    path(
        "services/<slug:service_code>.<open311_format:fmt>",
        views.service_definition,
        name="service",
    ),
    path("requests.<open311_format:fmt>", views.requests, name="requests"),
    path(
        "requests/<open311_id:service_request_id>.<open311_format:fmt>",
        views.request_detail,
        name="request",
    ),
    # The v2.1 Swagger's spelling of the same resource.
    path(
        "request/<open311_id:service_request_id>.<open311_format:fmt>",
        views.request_detail,
        name="request-singular",
    ),
    path("servicerequestupdates.<open311_format:fmt>", views.updates, name="updates"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]
