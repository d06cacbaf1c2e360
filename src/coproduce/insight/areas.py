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
    gave), keyed as above."""
    found = {
        neighbourhood_key(n.pk): Area(
            neighbourhood_key(n.pk), n.name, n.deprivation_decile, n.population
        )
        for n in hub.neighbourhoods.all()
    }
    settings = getattr(hub, "insight_settings", None)
    wanted = {d.upper() for d in districts if d} | {
        d.upper() for d in (settings.catchment_districts if settings else [])
    }
    stats = {
        stat.code: stat for stat in AreaStat.objects.filter(kind=AreaKind.DISTRICT, code__in=wanted)
    }
    for district in sorted(wanted):
        stat = stats.get(district)
        found[district_key(district)] = Area(
            district_key(district),
            district,
            stat.deprivation_decile if stat else None,
            stat.population if stat else None,
        )
    return found
