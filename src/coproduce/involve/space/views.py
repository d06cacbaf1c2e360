"""Your Space's pages (placeholders until each is built)."""

from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404("Not built yet.")


round_list = round_new = round_import = round_detail = round_change = round_advance = _not_yet
idea_new = idea_detail = idea_check = idea_deliver = idea_book = idea_progress = _not_yet
ballot = ballot_for = result = override = export_pb = _not_yet
