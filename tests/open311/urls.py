"""The site's addresses, plus a stand-in for the report page while the site has none.

The pledges services link every report they tell someone about to the page named
"report" (hub slug, report id). Until that page exists, tests that make or update
reports use this URLconf; once it does, this adds nothing and is the site's own.
"""

import contextlib

from django.http import HttpResponse
from django.test.utils import override_settings
from django.urls import get_resolver, path

from coproduce.urls import handler403, handler404  # noqa: F401 (the site's error pages)
from coproduce.urls import urlpatterns as site

REPORT_PAGE = "report"


def _stand_in(request, slug, report_id):
    return HttpResponse(f"Report {report_id}")


urlpatterns = list(site)
if REPORT_PAGE not in get_resolver("coproduce.urls").reverse_dict:
    urlpatterns.append(path("<slug:slug>/reports/<int:report_id>/", _stand_in, name=REPORT_PAGE))


@contextlib.contextmanager
def report_page_stand_in():
    """Run with this URLconf (the site's own when the report page exists)."""
    with override_settings(ROOT_URLCONF="tests.open311.urls"):
        yield
