"""To be written."""

from django.http import Http404


def choices(request, *args, **kwargs):
    raise Http404


def packs_print(request, *args, **kwargs):
    raise Http404


def pack_detail(request, *args, **kwargs):
    raise Http404


def record(request, *args, **kwargs):
    raise Http404


def record_csv(request, *args, **kwargs):
    raise Http404


def certificate(request, *args, **kwargs):
    raise Http404


def figures(request, *args, **kwargs):
    raise Http404


def payments(request, *args, **kwargs):
    raise Http404


def payments_csv(request, *args, **kwargs):
    raise Http404


def settings(request, *args, **kwargs):
    raise Http404


def training(request, *args, **kwargs):
    raise Http404
