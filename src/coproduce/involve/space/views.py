"""Your Space's pages: rounds, ideas and ballots (placeholders until each is built)."""

from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404("Not built yet.")


round_list = round_new = round_detail = round_change = round_advance = _not_yet
idea_new = idea_detail = idea_check = ballot = ballot_for = _not_yet
