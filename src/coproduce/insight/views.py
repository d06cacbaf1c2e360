"""views (pages to come)."""

from django.http import Http404


def dashboard(request, **kwargs):
    raise Http404


def public_summary(request, **kwargs):
    raise Http404


def board_report(request, **kwargs):
    raise Http404


def settings_page(request, **kwargs):
    raise Http404


def table_csv(request, **kwargs):
    raise Http404
