"""The insight report's figures, worked out from plain lists: arrays in, figures out.

Pure: no Django, no database, no clock. coproduce.insight.queries fetches the few
aggregate rows these functions read and coproduce.insight.report puts their answers
together. Minutes are integers, money integer pence, shares fractions 0-1, and any
share with nothing to divide by is None rather than a guess.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

MOST_DEPRIVED = (1, 2, 3)  # the deciles of the headline
BANDS = ("only_gave", "mostly_gave", "balanced", "mostly_received", "only_received")


def share(part: float, whole: float) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    if not whole:
        return None
    return part / whole


def rounded(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def median(values: Sequence[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


# --- equity --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaFigures:
    key: str
    name: str
    decile: int | None
    population: int | None


@dataclass
class EquityInput:
    """Who took part in what, and who benefited, for one period.

    `areas`: every area counted. `area_of`: person id -> area key (None when unknown).
    `participants`: activity -> the ids of people who took part in it. `benefit`:
    benefit name -> {person id: amount} for benefits that belong to a person, and
    `area_benefit`: benefit name -> {area key or None: amount} for those counted by
    place (an idea funded, a pledge broken)."""

    areas: Sequence[AreaFigures]
    area_of: Mapping[int, str | None]
    participants: Mapping[str, Iterable[int]]
    benefit: Mapping[str, Mapping[int, int]] = field(default_factory=dict)
    area_benefit: Mapping[str, Mapping[str | None, int]] = field(default_factory=dict)


BENEFITS = ("hours_received_minutes", "chest_minutes", "space_funded", "pledge_breaches")


def _empty_group(activities: Sequence[str]) -> dict:
    return {
        "people": set(),
        "participation": dict.fromkeys(activities, 0),
        "benefit": dict.fromkeys(BENEFITS, 0),
    }


def equity(data: EquityInput, activities: Sequence[str]) -> dict:
    """Participation and benefit by area and by deprivation decile against the population,
    with the headline: the most deprived three deciles' share of the people taking part
    over their share of the population (1 is fair; below 1 they are under-represented).
    Only areas whose decile and population are both known count in the headline."""
    areas = {area.key: area for area in data.areas}
    groups: dict[str | None, dict] = {key: _empty_group(activities) for key in areas}
    groups[None] = _empty_group(activities)

    def group_of(person: int) -> dict:
        key = data.area_of.get(person)
        return groups[key if key in areas else None]

    for activity in activities:
        for person in set(data.participants.get(activity, ())):
            group = group_of(person)
            group["people"].add(person)
            group["participation"][activity] += 1
    for name, amounts in data.benefit.items():
        for person, amount in amounts.items():
            group_of(person)["benefit"][name] += amount
    for name, amounts in data.area_benefit.items():
        for key, amount in amounts.items():
            groups[key if key in areas else None]["benefit"][name] += amount

    by_area = []
    for key, area in sorted(areas.items(), key=lambda item: (item[1].name, item[0])):
        group = groups[key]
        people = len(group["people"])
        by_area.append(
            {
                "area": area.name,
                "key": key,
                "decile": area.decile,
                "population": area.population,
                "people": people,
                "participation": group["participation"],
                "per_1000": rounded(_per_1000(people, area.population), 1),
                "benefit": group["benefit"],
            }
        )

    # The deciles and the headline count the same people: those in areas whose decile
    # and population are both known. Everyone else is left out of both, and said so.
    counted = [r for r in by_area if r["decile"] is not None and r["population"] is not None]
    by_decile = []
    for decile in range(1, 11):
        rows = [row for row in counted if row["decile"] == decile]
        if not rows:
            continue
        people = sum(row["people"] for row in rows)
        populations = [row["population"] for row in rows if row["population"] is not None]
        population = sum(populations) if populations else None
        by_decile.append(
            {
                "decile": decile,
                "population": population,
                "people": people,
                "participation": {a: sum(r["participation"][a] for r in rows) for a in activities},
                "per_1000": rounded(_per_1000(people, population), 1),
                "benefit": {b: sum(r["benefit"][b] for r in rows) for b in BENEFITS},
            }
        )

    deprived = [r for r in counted if r["decile"] in MOST_DEPRIVED]
    people_in = sum(r["people"] for r in deprived)
    people_all = sum(r["people"] for r in counted)
    population_in = sum(r["population"] for r in deprived)
    population_all = sum(r["population"] for r in counted)
    participation_share = share(people_in, people_all)
    population_share = share(population_in, population_all)
    ratio = (
        None
        if participation_share is None or not population_share
        else participation_share / population_share
    )
    unknown = groups[None]
    return {
        "headline": {
            "deciles": list(MOST_DEPRIVED),
            "participation_share": rounded(participation_share),
            "population_share": rounded(population_share),
            "ratio": rounded(ratio, 2),
            "people": people_in,
            "people_counted": people_all,
            # Taking part but not counted: their area is not known or is outside the
            # catchment, or its decile or population is not known (`areas_left_out`).
            "people_left_out": sum(len(g["people"]) for g in groups.values()) - people_all,
            "areas_left_out": sorted(
                r["area"] for r in by_area if r["people"] and r not in counted
            ),
        },
        "activities": list(activities),
        "by_decile": by_decile,
        "by_area": by_area,
        "unknown_area": {
            "people": len(unknown["people"]),
            "participation": unknown["participation"],
            "benefit": unknown["benefit"],
        },
    }


def _per_1000(people: int, population: int | None) -> float | None:
    if not population:
        return None
    return people * 1000 / population


# --- reciprocity ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberTrade:
    """One member's exchanges: minutes given and received in the period, and whether they
    had a confirmed exchange in the 90 days before the period's end."""

    person: int
    gave: int = 0
    received: int = 0
    active: bool = False
    new: bool = False  # joined in the period


def band(gave: int, received: int) -> str | None:
    """Where a member's give/receive ratio falls: None if they did neither."""
    total = gave + received
    if not total:
        return None
    if not received:
        return "only_gave"
    if not gave:
        return "only_received"
    given = gave / total
    if given > 2 / 3:
        return "mostly_gave"
    if given < 1 / 3:
        return "mostly_received"
    return "balanced"


def reciprocity(
    registered: int,
    trades: Sequence[MemberTrade],
    new: int,
    hub_minutes: int,
    all_minutes: int,
) -> dict:
    """Registered against active members, hours per active member, who both gave and
    received, the spread of give/receive ratios, new and returning members and the share
    of exchanged minutes with the hub itself (or an organisation) on one side.

    `registered`: members of the time bank at the period's end; `new`: those of them
    who joined in the period; `hub_minutes` of `all_minutes` exchanged had the hub, its
    chest or an organisation on one side. Returning members are active ones who joined
    before the period."""
    active = [t for t in trades if t.active]
    traded = [t for t in trades if t.gave or t.received]
    both = sum(1 for t in traded if t.gave and t.received)
    spread = dict.fromkeys(BANDS, 0)
    for trade in traded:
        spread[band(trade.gave, trade.received)] += 1
    return {
        "registered": registered,
        "active": len(active),
        "active_share": rounded(share(len(active), registered)),
        # The hours exchanged in the period over active members: each hour counted once,
        # so it matches the hours exchanged shown beside it.
        "minutes_per_active": round(all_minutes / len(active)) if active else None,
        "traded": len(traded),
        "gave_and_received": both,
        "gave_and_received_share": rounded(share(both, len(traded))),
        "ratio_spread": spread,
        "new": new,
        "returning": sum(1 for t in active if not t.new),
        "hub_share": rounded(share(hub_minutes, all_minutes)),
    }


# --- reliability ---------------------------------------------------------------------------


def busiest_tenth_share(given: Iterable[int]) -> float | None:
    """The share of all minutes given that came from the busiest tenth of givers (at least
    one person). Between 0.1 and 1 whenever anyone gave; None otherwise."""
    minutes = sorted((m for m in given if m > 0), reverse=True)
    total = sum(minutes)
    if not total:
        return None
    top = max(1, math.ceil(len(minutes) / 10))
    return sum(minutes[:top]) / total


def busiest_tenth(given: Mapping[int, int]) -> list[int]:
    """The ids of the busiest tenth of givers, busiest first."""
    ordered = sorted(((m, p) for p, m in given.items() if m > 0), key=lambda x: (-x[0], x[1]))
    if not ordered:
        return []
    return [p for _, p in ordered[: max(1, math.ceil(len(ordered) / 10))]]


def burnout(spans: Mapping[int, Sequence[int]], threshold: int) -> list[int]:
    """People who gave more than `threshold` minutes in each of the last three 30-day
    spans before the period's end: `spans` is person -> [minutes in the latest span,
    the one before, the one before that]."""
    return sorted(
        person
        for person, minutes in spans.items()
        if len(minutes) >= 3 and all(m > threshold for m in minutes[:3])
    )


def days_between(pairs: Iterable[tuple[float, float]]) -> list[float]:
    """Days from each start to its end (given as seconds since any fixed moment)."""
    return [(end - start) / 86400 for start, end in pairs]


def rota_fill_rate(slots: Iterable[tuple[int, int]]) -> float | None:
    """Places filled over places offered, for (places, people on the rota) per slot; a
    slot with more people than places counts as full, never more."""
    offered = filled = 0
    for places, people in slots:
        offered += places
        filled += min(places, people)
    return share(filled, offered)


def pledge_rates(reports: Iterable[tuple[str, bool | None]]) -> list[dict]:
    """For (pledge title, kept) per report: kept True, broken False, or None while it is
    still within its time. The kept rate counts only reports whose time is up."""
    counts: dict[str, list[int]] = {}
    for pledge, kept in reports:
        row = counts.setdefault(pledge, [0, 0, 0])
        row[0] += 1
        if kept is True:
            row[1] += 1
        elif kept is False:
            row[2] += 1
    return [
        {
            "pledge": pledge,
            "reports": total,
            "kept": kept,
            "broken": broken,
            "kept_rate": rounded(share(kept, kept + broken)),
        }
        for pledge, (total, kept, broken) in sorted(counts.items())
    ]


def escalations(rows: Iterable[tuple[str, float | None]]) -> list[dict]:
    """For (kind label, hours to resolve or None while open): count, still open and the
    median hours to resolve of those resolved, by kind."""
    kinds: dict[str, list] = {}
    for kind, hours in rows:
        kinds.setdefault(kind, []).append(hours)
    out = []
    for kind, hours in sorted(kinds.items()):
        resolved = [h for h in hours if h is not None]
        out.append(
            {
                "kind": kind,
                "count": len(hours),
                "open": len(hours) - len(resolved),
                "median_hours_to_resolve": rounded(median(resolved), 1),
            }
        )
    return out


# --- value ---------------------------------------------------------------------------------


def value_pence(minutes: int, rate_pence: int) -> int:
    """Minutes at an hourly rate, to the nearest penny."""
    return (minutes * rate_pence + 30) // 60


def value_by_kind(minutes_by_kind: Mapping[str, int], rates: Mapping[str, int]) -> dict:
    """Role-matched value: each kind's minutes at its own rate. Kinds without a rate are
    listed apart as not valued, never guessed into the total."""
    rows, valued, unvalued = [], 0, 0
    for kind, minutes in sorted(minutes_by_kind.items()):
        rate = rates.get(kind)
        if rate is None:
            unvalued += minutes
            rows.append({"kind": kind, "minutes": minutes, "rate_pence": None, "value_pence": None})
            continue
        pence = value_pence(minutes, rate)
        valued += pence
        rows.append({"kind": kind, "minutes": minutes, "rate_pence": rate, "value_pence": pence})
    return {"by_kind": rows, "value_pence": valued, "minutes_not_valued": unvalued}


# --- the public summary --------------------------------------------------------------------


def hide(count: int | None, small: int) -> int | None:
    """A count of people as the public may see it: None (hidden) if 1 to small - 1."""
    if count is None or 0 < count < small:
        return None
    return count


def suppress(counts: Sequence[int | None], small: int) -> list[int | None]:
    """The counts of one table as the public may see them: each from 1 to small - 1
    hidden (None), then, while the hidden counts add up to more than 0 but fewer than
    `small` (a reader with the table's total could work them out), the smallest shown
    count above 0 hidden too, until the hidden total is 0 or at least `small`."""
    shown = [hide(count, small) for count in counts]
    hidden_total = sum(c for c, s in zip(counts, shown, strict=True) if s is None and c)
    while 0 < hidden_total < small:
        left = [(count, i) for i, count in enumerate(shown) if count]
        if not left:
            break
        count, i = min(left)
        shown[i] = None
        hidden_total += count
    return shown
