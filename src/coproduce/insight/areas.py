"""The areas a hub's figures are counted by, with each one's deprivation decile and
population where known.

A member's area is their membership's neighbourhood (one of the hub's own areas) if they
have one, otherwise their postcode district, whose figures come from `AreaStat` (loaded
by `coproduce geography import`). Keys are "n:<neighbourhood id>" and "d:<district>".
"""

from dataclasses import dataclass

from coproduce.hubs.models import Hub

from .models import AreaKind, AreaStat


@dataclass(frozen=True)
class Area:
    key: str
    name: str
    decile: int | None  # 1 is the most deprived tenth
    population: int | None


def neighbourhood_key(neighbourhood_id: int) -> str:
    return f"n:{neighbourhood_id}"


def district_key(district: str) -> str:
    return f"d:{district.upper()}"


def hub_areas(hub: Hub, districts: set[str] = frozenset()) -> dict[str, Area]:
    """The hub's own areas, its catchment districts and `districts` (those its members
    gave), keyed as above. Districts outside a catchment have no population."""
    found = {
        neighbourhood_key(n.pk): Area(
            neighbourhood_key(n.pk), n.name, n.deprivation_decile, n.population
        )
        for n in hub.neighbourhoods.all()
    }
    settings = getattr(hub, "insight_settings", None)
    catchment = {d.upper() for d in (settings.catchment_districts if settings else [])}
    wanted = {d.upper() for d in districts if d} | catchment
    # The population counted against is the catchment's: the hub's own areas with a
    # population and its catchment districts. A district a member gives from outside it
    # keeps its decile but adds no population, or one member from across town would add
    # a whole district to the hub's denominator. A hub that named no catchment at all
    # counts every district its members give.
    has_catchment = bool(catchment) or any(a.population for a in found.values())
    # (kind, code) is unique, code alone is not: so not in_bulk(field_name="code").
    stats = {
        stat.code: stat for stat in AreaStat.objects.filter(kind=AreaKind.DISTRICT, code__in=wanted)
    }
    for district in sorted(wanted):
        stat = stats.get(district)
        found[district_key(district)] = Area(
            district_key(district),
            district,
            stat.deprivation_decile if stat else None,
            stat.population if stat and (district in catchment or not has_catchment) else None,
        )
    return found
