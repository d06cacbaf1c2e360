"""The insight report of one hub for one period: every figure the dashboard, the board
report, the CSVs, the public summary and `coproduce insight report` show, as one dict
that json.dumps can write. Its shape is documented in docs/insight.md; pages read its
keys, so a key changes here and there together.

Figures come from coproduce.insight.metrics (pure: arrays in, figures out), fed by a few
aggregate queries in coproduce.insight.queries. Hours are integer minutes; money is
integer pence; shares are fractions 0-1 (or None when there is nothing to divide by);
every count of people below SMALL_GROUP is hidden in the public summary (`public()`).

THE SHAPE (docs/insight.md "The report" says how each figure is counted):

{
  "hub": "millbrook", "from": "2026-07-01", "to": "2026-09-30",
  "generated_at": "2026-12-02T10:00:00+00:00", "small_group": 5,
  "equity": {
    "headline": {"deciles": [1, 2, 3], "participation_share": 0.12,
                 "population_share": 0.30, "ratio": 0.40,
                 "people": 6, "people_counted": 50},
    "activities": ["timebank", "referrals", "involvement", "conversations",
                   "reports", "space"],
    "by_decile": [{"decile": 1, "population": 1200, "people": 14,
                   "participation": {"timebank": 3, ...}, "per_1000": 11.7,
                   "benefit": {"hours_received_minutes": 600, "chest_minutes": 120,
                               "space_funded": 2, "pledge_breaches": 1}}],
    "by_area": [{"area": "MB1", "key": "d:MB1", "decile": 3, "population": 5400, "people": 20,
                 "participation": {...}, "per_1000": 3.7, "benefit": {...}}],
    "unknown_area": {"people": 4, "participation": {...}, "benefit": {...}}
  },
  "monitoring": {"answered": 31, "questions": {"age_band": [{"answer": "25 to 34",
                 "people": 7}, {"answer": "Other answers together", "people": 6}], ...}},
  "reciprocity": {"registered": 120, "active": 35, "active_share": 0.29,
                  "minutes_per_active": 260, "traded": 33, "gave_and_received": 13,
                  "gave_and_received_share": 0.4,
                  "ratio_spread": {"only_gave": 5, "mostly_gave": 7, "balanced": 12,
                                   "mostly_received": 6, "only_received": 5},
                  "new": 8, "returning": 27, "hub_share": 0.1,
                  "by_month": [{"month": "2026-07", "active": 20, "exchanges": 31,
                                "minutes": 1800}]},
  "reliability": {"referral_days_to_match_median": 4.5, "referrals": 12,
                  "referrals_unmatched": 2, "unmet_requests": 6, "rota_fill_rate": 0.82,
                  "rota_places": 140, "no_shows": 3, "cancellations": 5, "givers": 31,
                  "busiest_tenth_share": 0.46,
                  "burnout": {"people": 2, "hours_threshold_minutes": 2571,
                              "definition": "..."},
                  "pledges": [{"pledge": "Emergency repairs in 24 hours",
                               "kept_rate": 0.91, "reports": 44, "kept": 39, "broken": 4}],
                  "escalations": [{"kind": "Rota slot not filled", "count": 4, "open": 1,
                                   "median_hours_to_resolve": 20.5}]},
  "value": {"method": "minimum", "method_label": "The legal minimum wage (a floor)",
            "year": 2026, "rate_pence": 1271, "source": "GOV.UK: ...",
            "minutes": 9000, "value_pence": 190650,
            "by_kind": [{"kind": "3", "name": "Gardening", "minutes": 600,
                         "rate_pence": 1500, "value_pence": 15000}],
            "minutes_not_valued": 120}   (by_kind and minutes_not_valued: method "role")
  "people": {"busiest": [{"name": ..., "minutes": ...}],
             "burnout": [{"name": ..., "minutes_by_span": [latest, before, before that]}]}
            coordinators only; never in public() nor in the command's file
}
"""

import copy
import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from coproduce.hubs.models import Hub, Membership, Person
from coproduce.referrals.models import EscalationKind, ReferralPolicy
from coproduce.timebank.models import Entry, TransferKind

from . import areas as area_lookup
from . import metrics, monitoring, queries, valuation
from .access import SMALL_GROUP
from .models import InsightSettings

ACTIVITIES = ["timebank", "referrals", "involvement", "conversations", "reports", "space"]
DEFAULT_WEEKLY_LIMIT = 10 * 60  # as ReferralPolicy's default


def build(hub: Hub, start: datetime.date, end: datetime.date) -> dict:
    """The report for `hub` from `start` to `end`, both days included."""
    window = queries.Window.of(start, end)
    settings = InsightSettings.objects.filter(hub=hub).first()
    members = queries.members(hub, window)
    account_person = {account: person for person, account, *_ in members}
    own_accounts = queries.hub_accounts(hub)

    trade = _trade(queries.ledger(hub, window), account_person, own_accounts)
    gave, received, chest, active, spans = (
        trade.gave,
        trade.received,
        trade.chest,
        trade.active,
        trade.spans,
    )
    hub_minutes, all_minutes = trade.hub_minutes, trade.all_minutes

    # Where each person lives, as an area key.
    area_of: dict[int, str | None] = {}
    districts: set[str] = set()
    new_people = set()
    for person, _account, neighbourhood, district, joined_now in members:
        area_of[person] = _area_key(neighbourhood, district)
        if not neighbourhood and district:
            districts.add(district)
        if joined_now:
            new_people.add(person)

    referral_rows = queries.referrals(hub, window)
    for person, neighbourhood, district, *_ in referral_rows:
        if person not in area_of:
            area_of[person] = _area_key(neighbourhood, district)
            if not neighbourhood and district:
                districts.add(district)
    attendance = queries.attendance(hub, window)
    report_rows = queries.reports(hub, window)
    funded = queries.funded_ideas(hub, window)

    participants = {
        "timebank": set(gave) | set(received),
        "referrals": {row[0] for row in referral_rows},
        "involvement": {p for p, status, _ in attendance if status == "attended"},
        "conversations": set(queries.conversation_people(hub, window)),
        "reports": {row[0] for row in report_rows if row[0] is not None},
        "space": set(queries.voters(hub, window)),
    }
    kept = [_kept(expected, closed, window) for *_, expected, closed in report_rows]
    breaches: dict[str | None, int] = {}
    for (reporter, area, *_), was_kept in zip(report_rows, kept, strict=True):
        if was_kept is False:
            key = area_lookup.neighbourhood_key(area) if area else area_of.get(reporter)
            breaches[key] = breaches.get(key, 0) + 1
    funded_by_area: dict[str | None, int] = {}
    for proposer in funded:
        key = area_of.get(proposer)
        funded_by_area[key] = funded_by_area.get(key, 0) + 1

    hub_areas = area_lookup.hub_areas(hub, districts)
    equity = metrics.equity(
        metrics.EquityInput(
            areas=[
                metrics.AreaFigures(a.key, a.name, a.decile, a.population)
                for a in hub_areas.values()
                # A district outside the catchment has no population: the people there
                # count with those whose area is not known, never in a decile whose
                # population comes from other areas.
                if not (a.key.startswith("d:") and a.population is None)
            ],
            area_of=area_of,
            participants=participants,
            benefit={"hours_received_minutes": received, "chest_minutes": chest},
            area_benefit={"space_funded": funded_by_area, "pledge_breaches": breaches},
        ),
        ACTIVITIES,
    )

    trades = [
        metrics.MemberTrade(
            person,
            gave.get(person, 0),
            received.get(person, 0),
            person in active,
            person in new_people,
        )
        for person, *_ in members
    ]
    reciprocity = metrics.reciprocity(
        len(members), trades, len(new_people), hub_minutes, all_minutes
    )
    reciprocity["by_month"] = [
        {
            "month": day.strftime("%Y-%m"),
            "active": len(trade.month_people.get(n, ())),
            "exchanges": trade.month_exchanges.get(n, 0),
            "minutes": trade.month_minutes.get(n, 0),
        }
        for n, (day, _) in enumerate(queries.months(window))
    ]

    weekly = (
        ReferralPolicy.objects.filter(hub=hub)
        .values_list("weekly_minutes_limit", flat=True)
        .first()
        or DEFAULT_WEEKLY_LIMIT
    )
    threshold = weekly * queries.SPAN_DAYS // 7
    tired = metrics.burnout(spans, threshold)
    busiest = metrics.busiest_tenth(gave)
    reliability = _reliability(hub, window, referral_rows, attendance, report_rows, kept)
    reliability["givers"] = sum(1 for m in gave.values() if m > 0)
    reliability["busiest_tenth_share"] = metrics.rounded(metrics.busiest_tenth_share(gave.values()))
    reliability["burnout"] = {
        "people": len(tired),
        "hours_threshold_minutes": threshold,
        "definition": (
            "People who gave more than the threshold in each of the three 30-day spans "
            "before the period's end (the threshold is the hub's weekly limit for a "
            "30-day span)."
        ),
    }

    names = dict(
        Person.objects.filter(pk__in=set(busiest) | set(tired)).values_list("pk", "display_name")
    )
    return {
        "hub": hub.slug,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "small_group": SMALL_GROUP,
        "equity": equity,
        "monitoring": monitoring.summary(
            Membership.objects.filter(hub=hub, is_active=True).values("person_id")
        ),
        "reciprocity": reciprocity,
        "reliability": reliability,
        "value": _value(hub, window, end, settings, all_minutes),
        "people": {
            "busiest": [{"name": names.get(p, ""), "minutes": gave[p]} for p in busiest],
            "burnout": [{"name": names.get(p, ""), "minutes_by_span": spans[p]} for p in tired],
        },
    }


@dataclass
class _Trade:
    gave: dict = field(default_factory=dict)  # person -> minutes given in the period
    received: dict = field(default_factory=dict)
    chest: dict = field(default_factory=dict)  # person -> minutes granted by the chest
    active: set = field(default_factory=set)  # an exchange in the 90 days before the end
    spans: dict = field(default_factory=dict)  # person -> minutes given in each 30 days
    month_people: dict = field(default_factory=dict)  # month -> members who exchanged
    month_minutes: dict = field(default_factory=dict)  # month -> minutes exchanged
    month_exchanges: dict = field(default_factory=dict)  # month -> givers' parts
    hub_minutes: int = 0  # minutes with the hub or an organisation on one side
    all_minutes: int = 0  # minutes exchanged in the period


def _trade(rows, account_person: dict, own_accounts: set) -> _Trade:
    """Each member's minutes in and out, from the ledger's grouped rows."""
    out = _Trade()
    for account, kind, direction, month, span, minutes, entries in rows:
        person = account_person.get(account)
        exchange = kind == TransferKind.EXCHANGE
        in_period = month >= 0
        if exchange and in_period:
            if direction == Entry.DEBIT:
                out.all_minutes += minutes
                out.month_minutes[month] = out.month_minutes.get(month, 0) + minutes
                out.month_exchanges[month] = out.month_exchanges.get(month, 0) + entries
            if account in own_accounts:
                out.hub_minutes += minutes
        if person is None:
            continue
        if exchange and span < 3:
            out.active.add(person)
            if direction == Entry.DEBIT:
                out.spans.setdefault(person, [0, 0, 0])[span] += minutes
        if not in_period:
            continue
        if not exchange:
            if direction == Entry.CREDIT:
                out.chest[person] = out.chest.get(person, 0) + minutes
            continue
        out.month_people.setdefault(month, set()).add(person)
        book = out.gave if direction == Entry.DEBIT else out.received
        book[person] = book.get(person, 0) + minutes
    return out


def _area_key(neighbourhood: int | None, district: str | None) -> str | None:
    if neighbourhood:
        return area_lookup.neighbourhood_key(neighbourhood)
    if district:
        return area_lookup.district_key(district)
    return None


def _kept(expected, closed, window) -> bool | None:
    """A report's pledge was kept (closed in time), broken (closed late, or still open
    after its time by the period's end), or not yet known (open, still in time)."""
    if closed is not None and closed < window.end:
        return closed <= expected
    if expected < window.end:
        return False
    return None


def _hours(start, end) -> float:
    return (end - start).total_seconds() / 3600


def _reliability(hub, window, referral_rows, attendance, report_rows, kept) -> dict:
    matched = [
        (created, at) for *_, created, at in referral_rows if at is not None and at < window.end
    ]
    days = [_hours(created, at) / 24 for created, at in matched]
    slots = queries.slots(hub, window)
    no_shows = sum(times for _, status, times in attendance if status == "no_show")
    no_shows += sum(missed for *_, missed in slots)
    cancellations = sum(1 for _, cancelled, *_ in slots if cancelled)
    cancellations += sum(given_up for _, _, _, given_up, _ in slots)
    labels = dict(EscalationKind.choices)
    escalations = metrics.escalations(
        (
            labels.get(kind, kind),
            _hours(raised, resolved) if resolved and resolved < window.end else None,
        )
        for kind, raised, resolved in queries.escalations(hub, window)
    )
    return {
        "referrals": len(referral_rows),
        "referrals_unmatched": len(referral_rows) - len(matched),
        "referral_days_to_match_median": metrics.rounded(metrics.median(days), 1),
        "unmet_requests": queries.unmet_requests(hub, window),
        "rota_fill_rate": metrics.rounded(
            metrics.rota_fill_rate(
                (places, filled) for places, cancelled, filled, *_ in slots if not cancelled
            )
        ),
        "rota_places": sum(places for places, cancelled, *_ in slots if not cancelled),
        "no_shows": no_shows,
        "cancellations": cancellations,
        "pledges": metrics.pledge_rates(
            (title, was_kept) for (_, _, title, *_), was_kept in zip(report_rows, kept, strict=True)
        ),
        "escalations": escalations,
    }


def _value(hub, window, end, settings, minutes) -> dict:
    method = settings.valuation if settings else "minimum"
    rate = valuation.rate_for(method, end)
    out = rate.as_dict() | {"minutes": minutes}
    if method == "role":
        by_kind = metrics.value_by_kind(
            queries.minutes_by_category(hub, window), valuation.role_rates(settings.role_rates)
        )
        names = dict(hub.categories.values_list("pk", "name"))
        for row in by_kind["by_kind"]:
            row["name"] = (
                names.get(int(row["kind"]), "help with no kind recorded")
                if row["kind"]
                else "help with no kind recorded"
            )
        out |= by_kind
    else:
        out["value_pence"] = metrics.value_pence(minutes, rate.rate_pence)
    return out


# --- what the public may see ---------------------------------------------------------------


def public(report: dict) -> dict:
    """The report as the public summary shows it: no member-level detail, every count of
    people from 1 to SMALL_GROUP - 1 hidden (None), and any share, rate or benefit worked
    out from a hidden count hidden with it. Within a table, enough further counts are
    hidden that no hidden one can be worked out from a total (metrics.suppress)."""
    small = report.get("small_group", SMALL_GROUP)
    out = copy.deepcopy({k: v for k, v in report.items() if k != "people"})

    def hidden(count):
        return metrics.hide(count, small)

    def hide_together(rows: list[dict], key: str) -> None:
        """Hide small counts of one table, and enough others that none can be worked
        out by taking the shown ones from a total (metrics.suppress)."""
        for row, count in zip(
            rows, metrics.suppress([row.get(key) for row in rows], small), strict=True
        ):
            row[key] = count

    equity = out.get("equity", {})
    # The deciles with the people whose area is not known make up everyone counted.
    hide_together(
        [
            *equity.get("by_decile", []),
            *([equity["unknown_area"]] if equity.get("unknown_area") else []),
        ],
        "people",
    )
    hide_together(equity.get("by_area", []), "people")
    for row in [
        *equity.get("by_decile", []),
        *equity.get("by_area", []),
        equity.get("unknown_area"),
    ]:
        if not row:
            continue
        people = hidden(row.get("people"))
        row["people"] = people
        row["participation"] = {a: hidden(n) for a, n in row.get("participation", {}).items()}
        if "per_1000" in row and people is None:
            row["per_1000"] = None
        if people is None:
            row["benefit"] = {b: None for b in row.get("benefit", {})}
    headline = equity.get("headline")
    if headline and "people" in headline:
        if hidden(headline["people"]) is None or hidden(headline["people_counted"]) is None:
            headline.update(participation_share=None, ratio=None)
        headline["people"] = hidden(headline["people"])
        headline["people_counted"] = hidden(headline["people_counted"])
        headline["people_left_out"] = hidden(headline.get("people_left_out"))

    monitoring = out.get("monitoring", {})
    if "answered" in monitoring:
        monitoring["answered"] = hidden(monitoring["answered"])
    for answers in monitoring.get("questions", {}).values():
        hide_together(answers, "people")

    recip = out.get("reciprocity", {})
    for key in ("registered", "active", "traded", "gave_and_received", "new", "returning"):
        if key in recip:
            recip[key] = hidden(recip[key])
    if recip.get("active") is None or recip.get("registered") is None:
        recip.update(active_share=None, minutes_per_active=None)
    if recip.get("gave_and_received") is None or recip.get("traded") is None:
        recip["gave_and_received_share"] = None
    spread = recip.get("ratio_spread", {})
    recip["ratio_spread"] = dict(
        zip(spread, metrics.suppress(list(spread.values()), small), strict=True)
    )
    for month in recip.get("by_month", []):
        month["active"] = hidden(month["active"])

    rel = out.get("reliability", {})
    for key in ("referrals", "referrals_unmatched", "no_shows", "givers"):
        if key in rel:
            rel[key] = hidden(rel[key])
    if rel.get("referrals") is None or rel.get("referrals_unmatched") is None:
        rel["referral_days_to_match_median"] = None
    if "givers" in rel and (rel["givers"] is None or rel["givers"] < small * 10):
        rel["busiest_tenth_share"] = None  # the busiest tenth would be under SMALL_GROUP
    if "burnout" in rel:
        rel["burnout"]["people"] = hidden(rel["burnout"]["people"])
    hide_together(rel.get("escalations", []), "count")
    for row in rel.get("escalations", []):
        row["open"] = hidden(row["open"])
        if row["count"] is None:
            row["median_hours_to_resolve"] = None
    return out
