"""Your Space's pages after the vote: the result, overrides, delivery and open data
(placeholders until each is built)."""

from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404("Not built yet.")


result = override = idea_deliver = idea_book = idea_progress = export_pb = round_import = _not_yet
