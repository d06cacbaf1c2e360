"""The checks every pledge page starts with: find the pledge, read what the viewer may do
with it (pledges/access.py), and refuse plainly when they may not."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from coproduce.hubs import access as hub_access

from . import access
from .models import Pledge


def pledge_or_404(slug: str, pledge_slug: str) -> Pledge:
    return get_object_or_404(
        Pledge.objects.select_related("hub", "adopted_from__hub"), hub__slug=slug, slug=pledge_slug
    )


def rights_of(request, pledge: Pledge) -> access.PledgeRights:
    return access.pledge_rights(hub_access.membership_of(request.user, pledge.hub), pledge)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)
