"""health_views (pages to come)."""

from django.http import Http404


def check_list(request, **kwargs):
    raise Http404


def check_new(request, **kwargs):
    raise Http404


def check_detail(request, **kwargs):
    raise Http404


def check_answer(request, **kwargs):
    raise Http404


def check_answer_for(request, **kwargs):
    raise Http404


def equality(request, **kwargs):
    raise Http404


def equality_delete(request, **kwargs):
    raise Http404
