"""area_views (pages to come)."""

from django.http import Http404


def areas(request, **kwargs):
    raise Http404


def areas_upload(request, **kwargs):
    raise Http404


def area_edit(request, **kwargs):
    raise Http404
