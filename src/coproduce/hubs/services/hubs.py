"""Hubs, and their organisations and areas (neighbourhoods)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError, validated_save
from coproduce.models_util import model_update

from .. import access, signals
from ..models import Hub, Neighbourhood, Organisation, Person, Role
from .memberships import _membership_add


@transaction.atomic
def hub_create(*, actor: Person, slug: str, name: str, purpose: str, admin: Person) -> Hub:
    """Site operators create hubs and appoint the first hub admin."""
    if not actor.is_superuser:
        raise PermissionDenied("Only the site's operators can create hubs.")
    if Hub.objects.filter(slug=slug).exists():
        raise ApplicationError("A hub with this web address already exists.", field="slug")
    hub = Hub(slug=slug, name=name, purpose=purpose)
    validated_save(hub)
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.HUB_CREATED,
        subject=hub,
        new={"slug": slug, "name": name},
    )
    signals.hub_created.send(sender=Hub, hub=hub)
    _membership_add(actor=actor, hub=hub, person=admin, role=Role.ADMIN)
    return hub


HUB_FIELDS = ("name", "purpose", "accepts_join_requests", "code_of_conduct")


@transaction.atomic
def hub_update(*, actor: Person, hub: Hub, changes: dict[str, Any]) -> Hub:
    access.require_admin(actor, hub)
    if set(changes) - set(HUB_FIELDS):
        raise ApplicationError("Only the name, purpose, joining and code of conduct change here.")
    hub = Hub.objects.select_for_update().get(pk=hub.pk)
    hub, changed = model_update(hub, fields=HUB_FIELDS, data=changes)
    if changed:
        audit(
            hub=hub,
            actor=actor,
            event=AuditKind.HUB_UPDATED,
            subject=hub,
            old=changed.old,
            new=changed.new,
        )
    return hub


@transaction.atomic
def organisation_create(
    *, actor: Person, hub: Hub, name: str, kind: str, description: str = "", is_host=False
) -> Organisation:
    access.require_coordinator(actor, hub)
    if Organisation.objects.filter(hub=hub, name__iexact=name.strip()).exists():
        raise ApplicationError("This hub already has an organisation with that name.", field="name")
    if is_host and Organisation.objects.filter(hub=hub, is_host=True).exists():
        raise ApplicationError("This hub already has a host organisation.", field="is_host")
    organisation = Organisation(
        hub=hub, name=name.strip(), kind=kind, description=description, is_host=is_host
    )
    validated_save(organisation)
    signals.organisation_created.send(sender=Organisation, organisation=organisation)
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.ORGANISATION_CREATED,
        subject=organisation,
        new={"name": organisation.name, "kind": kind, "is_host": is_host},
    )
    return organisation


@transaction.atomic
def neighbourhood_create(
    *, actor: Person, hub: Hub, name: str, deprivation_decile: int | None = None
) -> Neighbourhood:
    access.require_coordinator(actor, hub)
    if Neighbourhood.objects.filter(hub=hub, name__iexact=name.strip()).exists():
        raise ApplicationError("This hub already has an area with that name.", field="name")
    if deprivation_decile is not None and not 1 <= deprivation_decile <= 10:
        raise ApplicationError("Give a decile from 1 to 10.", field="deprivation_decile")
    neighbourhood = Neighbourhood(hub=hub, name=name.strip(), deprivation_decile=deprivation_decile)
    validated_save(neighbourhood)
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.NEIGHBOURHOOD_CREATED,
        subject=neighbourhood,
        new={"name": neighbourhood.name, "deprivation_decile": deprivation_decile},
    )
    return neighbourhood
