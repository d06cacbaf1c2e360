"""To be written."""

from django.http import Http404


def opportunity_list(request, *args, **kwargs):
    raise Http404


def opportunity_new(request, *args, **kwargs):
    raise Http404


def opportunity_detail(request, *args, **kwargs):
    raise Http404


def opportunity_ask(request, *args, **kwargs):
    raise Http404


def opportunity_invite(request, *args, **kwargs):
    raise Http404


def opportunity_shortlist(request, *args, **kwargs):
    raise Http404


def meeting_add(request, *args, **kwargs):
    raise Http404


def attendance_record(request, *args, **kwargs):
    raise Http404


def opportunity_change(request, *args, **kwargs):
    raise Http404


def opportunity_cancel(request, *args, **kwargs):
    raise Http404


def opportunity_hired(request, *args, **kwargs):
    raise Http404


def signup_detail(request, *args, **kwargs):
    raise Http404


def attendance_detail(request, *args, **kwargs):
    raise Http404


def expense_decide(request, *args, **kwargs):
    raise Http404
