"""The insight report in words: the equity headline as one sentence, each section's
key figures as (what, figure) pairs, and the charts drawn from the tables' figures.
Every figure is read from the report's documented shape (report.py); a section the
report leaves empty gives no pairs."""

import datetime

from coproduce.involve.guard import money
from coproduce.timebank.models import format_minutes

from . import charts
from .charts import percent

NUMBER_WORDS = {1: "", 2: "two ", 3: "three ", 4: "four ", 5: "five "}


def _deciles_words(deciles: list[int]) -> str:
    if not deciles:
        return "the most deprived areas"
    if len(deciles) == 1:
        return f"decile {deciles[0]}"
    if deciles == list(range(deciles[0], deciles[-1] + 1)):
        return f"deciles {deciles[0]} to {deciles[-1]}"
    return "deciles " + ", ".join(str(d) for d in deciles)


def headline(report: dict) -> str:
    """The equity headline in one plain sentence."""
    figures = report["equity"]["headline"]
    deciles = figures.get("deciles") or []
    people, population = figures.get("participation_share"), figures.get("population_share")
    tenths = (
        f"The {NUMBER_WORDS.get(len(deciles), '')}most deprived tenths ({_deciles_words(deciles)})"
    )
    if len(deciles) == 1:
        tenths = f"The most deprived tenth ({_deciles_words(deciles)})"
    if people is None or population is None:
        return (
            "There is not yet enough area data for this period to compare who takes part "
            "with who lives here."
        )
    but = "but only" if people < population else "and"
    verb = "is" if len(deciles) == 1 else "are"
    sentence = (
        f"{tenths} {verb} {percent(population)} of the people who live here {but} "
        f"{percent(people)} of the people taking part."
    )
    ratio = figures.get("ratio")
    if ratio is not None:
        sentence += " " + fair_share_words(ratio)
    return sentence + left_out_words(figures)


def fair_share_words(ratio: float) -> str:
    """How a group takes part against its share of the population, in words."""
    gap = round(abs(1 - ratio) * 100)
    if gap < 5:
        return "So they take part about as much as their share of the population."
    if ratio >= 1.5:
        times = "twice" if round(ratio, 1) == 2 else f"{ratio:.1f} times"
        return f"So they take part about {times} as much as their share of the population."
    more = "more" if ratio > 1 else "less"
    return f"So they take part about {gap}% {more} than their share of the population."


def left_out_words(figures: dict) -> str:
    """Who the headline and the deciles leave out, and why ("" if nobody)."""
    left = figures.get("people_left_out")
    if left is None and "people_left_out" in figures:
        return " Fewer than 5 people taking part are left out of these figures."
    if not left:
        return ""
    areas = figures.get("areas_left_out") or []
    where = f" (in {', '.join(str(a) for a in areas)})" if areas else ""
    return (
        f" Left out of these figures and the deciles below: {left:,} "
        f"{'person' if left == 1 else 'people'} taking part whose area is not known, is "
        f"outside the hub's catchment, or has no decile or population recorded{where}."
    )


def month_words(month: str, fmt: str = "%B %Y") -> str:
    """'2026-07' -> 'July 2026' ('Jul 2026' with fmt '%b %Y'); as given if it is not a
    month so written."""
    try:
        return datetime.datetime.strptime(month, "%Y-%m").strftime(fmt)
    except ValueError:
        return month


def _day(iso) -> str:
    """'2026-09-30' -> '30 September 2026'; "the period's end" if not known."""
    try:
        return f"{datetime.date.fromisoformat(iso):%-d %B %Y}"
    except (TypeError, ValueError):
        return "the period's end"


def _minutes(value) -> str:
    return "not known" if value is None else format_minutes(int(value))


def _count(value) -> str:
    return "not known" if value is None else f"{value:,}"


def reciprocity(report: dict) -> list[tuple[str, str]]:
    r = report["reciprocity"]
    if not r:
        return []
    return [
        ("Registered members", _count(r.get("registered"))),
        (
            f"Active members (an exchange in the 90 days to {_day(report.get('to'))})",
            f"{_count(r.get('active'))} ({percent(r.get('active_share'))} of those registered)",
        ),
        ("Hours exchanged for each active member", _minutes(r.get("minutes_per_active"))),
        ("Members who both gave and received", percent(r.get("gave_and_received_share"))),
        ("New members", _count(r.get("new"))),
        (
            "Returning members (active members who joined before this period)",
            _count(r.get("returning")),
        ),
        (
            "The hub's own share of the hours (hours given or received by the hub's own "
            "accounts or an organisation, not between members)",
            percent(r.get("hub_share")),
        ),
    ]


def reliability(report: dict) -> list[tuple[str, str]]:
    r = report["reliability"]
    if not r:
        return []
    days = r.get("referral_days_to_match_median")
    burnout = r.get("burnout") or {}
    pairs = [
        ("Referrals", _count(r.get("referrals"))),
        ("Referrals not yet matched", _count(r.get("referrals_unmatched"))),
        ("Median time to match a referral", "not known" if days is None else f"{days:,.1f} days"),
        ("Requests for help nobody met", _count(r.get("unmet_requests"))),
        ("Rota places filled", percent(r.get("rota_fill_rate"))),
        ("No-shows", _count(r.get("no_shows"))),
        ("Cancellations", _count(r.get("cancellations"))),
        ("Share of hours given by the busiest tenth", percent(r.get("busiest_tenth_share"))),
    ]
    if burnout:
        pairs.append(
            (
                "Members giving more than the hub's weekly limit, every month for the "
                f"last three months (more than {_minutes(burnout.get('hours_threshold_minutes'))}"
                " in each 30 days)",
                _count(burnout.get("people")),
            )
        )
    return pairs


def value(report: dict) -> dict | None:
    """The value of the hours with its method and year, or None if not valued: `worth`
    and `method_words` ready to show, and for the role method `not_valued`, the hours
    without a rate said plainly (never £0.00 or a missing rate)."""
    v = report.get("value")
    if not v or v.get("value_pence") is None:
        return None
    method = (v.get("method_label") or v.get("method") or "").lower()
    out = {
        "method": v.get("method_label") or v.get("method"),
        "year": v.get("year"),
        "rate": None if v.get("rate_pence") is None else money(int(v["rate_pence"])),
        "hours": _minutes(v.get("minutes")),
        "value": money(int(v["value_pence"])),
        "not_valued": "",
    }
    if v.get("method") != "role":
        out["method_words"] = f"{method}, {out['rate']} an hour, the {out['year']} rate"
        out["worth"] = f"The {out['hours']} given are worth {out['value']} ({out['method_words']})."
        return out
    kinds = v.get("by_kind") or []
    valued = [k for k in kinds if k.get("rate_pence")]
    unvalued = [k for k in kinds if not k.get("rate_pence")]
    out["method_words"] = f"{method}, the hub's own rate for each"
    if valued:
        valued_minutes = sum(int(k.get("minutes") or 0) for k in valued)
        out["worth"] = (
            f"The {format_minutes(valued_minutes)} given in kinds of help with a rate are "
            f"worth {out['value']} ({out['method_words']})."
        )
    else:
        out["worth"] = "No hours could be valued: no kind of help given has a rate set."
    if unvalued:
        names = ", ".join(k.get("name") or "help with no kind recorded" for k in unvalued)
        minutes = int(v.get("minutes_not_valued") or 0)
        out["not_valued"] = f"{format_minutes(minutes)} not valued: no rate set for {names}."
    return out


def _pair_chart(groups: list[dict], label) -> charts.Chart | None:
    people = sum(g.get("people") or 0 for g in groups)
    population = sum(g.get("population") or 0 for g in groups)
    if not groups or not people or not population:
        return None
    rows = []
    for group in groups:
        taking_part = charts.share(group.get("people") or 0, people)
        living = charts.share(group.get("population"), population)
        rows.append(
            (label(group), [(taking_part, percent(taking_part)), (living, percent(living))])
        )
    return charts.bars(rows)


def decile_chart(report: dict) -> charts.Chart | None:
    """Each decile's share of the people taking part (solid) beside its share of the
    population (striped)."""
    return _pair_chart(report["equity"]["by_decile"], lambda g: f"Decile {g['decile']}")


def area_chart(report: dict) -> charts.Chart | None:
    return _pair_chart(report["equity"]["by_area"], lambda g: str(g["area"]))


def month_chart(report: dict) -> charts.Chart | None:
    months = report["reciprocity"].get("by_month") or []
    if not months:
        return None
    return charts.bars(
        [
            (month_words(m["month"], "%b %Y"), [(m["minutes"], _minutes(m["minutes"]))])
            for m in months
        ]
    )
