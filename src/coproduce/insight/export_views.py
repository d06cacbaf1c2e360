"""export_views (pages to come)."""

from django.http import Http404


def my_data(request, **kwargs):
    raise Http404


def export_request(request, **kwargs):
    raise Http404


def export_download(request, **kwargs):
    raise Http404


def member_data(request, **kwargs):
    raise Http404
