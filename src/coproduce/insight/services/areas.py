"""A hub's own areas' figures (deprivation decile and population), set by a coordinator
one at a time or from a CSV. Each changed area writes one NEIGHBOURHOOD_UPDATED event; an
area whose figures did not change writes nothing, so a form or file sent again leaves no
trace."""

from collections.abc import Iterable

from django.db import transaction

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs.models import Hub, Neighbourhood, Person
from coproduce.models_util import model_update

from .. import access
from ..geography import AreaFigures

FIELDS = ("deprivation_decile", "population")


def _update(actor: Person, neighbourhood: Neighbourhood, decile, population) -> bool:
    for value, field, high in (
        (decile, "deprivation_decile", 10),
        (population, "population", None),
    ):
        if value is not None and (value < (1 if high else 0) or (high and value > high)):
            raise ApplicationError(
                "Give a decile from 1 to 10." if high else "Give a number of people.", field=field
            )
    _, changes = model_update(
        neighbourhood,
        fields=FIELDS,
        data={"deprivation_decile": decile, "population": population},
    )
    if changes:
        audit(
            hub=neighbourhood.hub,
            actor=actor,
            event=AuditKind.NEIGHBOURHOOD_UPDATED,
            subject=neighbourhood,
            old=changes.old,
            new={**changes.new, "name": neighbourhood.name},
        )
    return bool(changes)


@transaction.atomic
def neighbourhood_figures_set(
    *,
    actor: Person,
    neighbourhood: Neighbourhood,
    deprivation_decile: int | None,
    population: int | None,
) -> bool:
    """Set one area's figures; returns whether anything changed."""
    access.require_area_figures(actor, neighbourhood.hub)
    neighbourhood = Neighbourhood.objects.select_for_update().get(pk=neighbourhood.pk)
    return _update(actor, neighbourhood, deprivation_decile, population)


@transaction.atomic
def neighbourhood_figures_upload(*, actor: Person, hub: Hub, rows: Iterable[AreaFigures]) -> int:
    """Set the figures of every area a checked file names (all or nothing); returns how
    many areas changed."""
    access.require_area_figures(actor, hub)
    by_name = {
        n.name.casefold(): n for n in Neighbourhood.objects.select_for_update().filter(hub=hub)
    }
    changed = 0
    for row in rows:
        neighbourhood = by_name.get(row.name.casefold())
        if neighbourhood is None:
            raise ApplicationError(f'"{row.name}" is not one of the hub\'s areas.', field="file")
        changed += _update(actor, neighbourhood, row.decile, row.population)
    return changed
