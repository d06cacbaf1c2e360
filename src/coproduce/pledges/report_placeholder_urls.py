"""A report's address, which the report services put in what they send. The report pages
own it (report_urls.py, name "report"); until they are mounted here it answers 404.
Delete this module, its line in urls.py and its entry in the permission matrix's
EXCLUDED when they are."""

from django.http import Http404
from django.urls import path


def report_not_here(request, slug, report_id):
    raise Http404("Report pages are not available here.")


urlpatterns = [
    path("hubs/<slug:slug>/reports/<int:report_id>/", report_not_here, name="report"),
]
