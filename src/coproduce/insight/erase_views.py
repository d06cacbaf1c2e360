"""erase_views (pages to come)."""

from django.http import Http404


def delete_account(request, **kwargs):
    raise Http404


def member_erase(request, **kwargs):
    raise Http404
