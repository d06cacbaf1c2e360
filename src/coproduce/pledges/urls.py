"""Pledge and report pages. Each part keeps its own list (pledges, reports, scorecard),
so they can grow apart."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("coproduce.pledges.report_urls")),
    path("", include("coproduce.pledges.pledge_urls")),
    path("", include("coproduce.pledges.scorecard_urls")),
    path("open311/v2/", include("coproduce.open311.urls")),
]
