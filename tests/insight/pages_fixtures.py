"""For the insight pages' tests: a complete report in the shape documented in
coproduce/insight/report.py (every key, plausible figures, some groups under 5), and a
`public()` that hides what the public must not see, to stand in for the real ones.

Names and figures chosen to be found: the busiest member is "Busy Beatrice"; decile 9
has FOUR people taking part (a group under 5); the monitoring answer "Carer: FOUR" has 4.
"""

import copy

import pytest

from coproduce.insight import report as report_module

BUSIEST = "Busy Beatrice"
TIRED = "Tired Tomasz"
SMALL_AREA = "MB9"  # an area with 4 people taking part


def _activities(timebank, referrals, involvement, conversations, reports, space):
    return {
        "timebank": timebank,
        "referrals": referrals,
        "involvement": involvement,
        "conversations": conversations,
        "reports": reports,
        "space": space,
    }


def _benefit(received, chest, funded, breaches):
    return {
        "hours_received_minutes": received,
        "chest_minutes": chest,
        "space_funded": funded,
        "pledge_breaches": breaches,
    }


def full_report(hub_slug="millbrook", start="2026-07-01", end="2026-09-30") -> dict:
    by_decile = [
        {
            "decile": 1,
            "population": 1200,
            "people": 14,
            "participation": _activities(3, 9, 2, 4, 5, 1),
            "per_1000": 11.7,
            "benefit": _benefit(600, 120, 2, 1),
        },
        {
            "decile": 2,
            "population": 1800,
            "people": 6,
            "participation": _activities(2, 3, 1, 1, 2, 0),
            "per_1000": 3.3,
            "benefit": _benefit(240, 0, 0, 2),
        },
        {
            "decile": 5,
            "population": 2500,
            "people": 40,
            "participation": _activities(25, 6, 8, 12, 9, 10),
            "per_1000": 16.0,
            "benefit": _benefit(2400, 60, 1, 0),
        },
        {
            "decile": 9,
            "population": 900,
            "people": 4,
            "participation": _activities(4, 0, 1, 2, 0, 1),
            "per_1000": 4.4,
            "benefit": _benefit(90, 0, 0, 0),
        },
    ]
    by_area = [{"area": f"MB{g['decile']}", **{k: v for k, v in g.items()}} for g in by_decile]
    return {
        "hub": hub_slug,
        "from": start,
        "to": end,
        "generated_at": "2026-12-02T10:00:00+00:00",
        "small_group": 5,
        "equity": {
            "headline": {
                "deciles": [1, 2, 3],
                "participation_share": 0.31,
                "population_share": 0.47,
                "ratio": 0.66,
            },
            "activities": list(report_module.ACTIVITIES),
            "by_decile": by_decile,
            "by_area": by_area,
            "unknown_area": {
                "people": 3,
                "participation": _activities(3, 0, 0, 0, 0, 0),
                "benefit": _benefit(30, 0, 0, 0),
            },
        },
        "monitoring": {
            "answered": 31,
            "questions": {
                "age_band": [
                    {"answer": "25 to 34", "people": 7},
                    {"answer": "Other answers together", "people": 6},
                ],
                "carer": [
                    {"answer": "Yes", "people": 12},
                    {"answer": "Carer: FOUR", "people": 4},
                ],
            },
        },
        "reciprocity": {
            "registered": 120,
            "active": 35,
            "active_share": 0.29,
            "minutes_per_active": 260,
            "gave_and_received_share": 0.4,
            "ratio_spread": {
                "only_gave": 5,
                "mostly_gave": 7,
                "balanced": 12,
                "mostly_received": 6,
                "only_received": 5,
            },
            "new": 8,
            "returning": 27,
            "hub_share": 0.1,
            "by_month": [
                {"month": "2026-07", "active": 20, "exchanges": 31, "minutes": 1800},
                {"month": "2026-08", "active": 24, "exchanges": 40, "minutes": 2450},
                {"month": "2026-09", "active": 18, "exchanges": 22, "minutes": 1290},
            ],
        },
        "reliability": {
            "referral_days_to_match_median": 4.5,
            "referrals": 12,
            "referrals_unmatched": 2,
            "unmet_requests": 6,
            "rota_fill_rate": 0.82,
            "no_shows": 3,
            "cancellations": 5,
            "busiest_tenth_share": 0.46,
            "burnout": {"people": 2, "hours_threshold_minutes": 2400},
            "pledges": [
                {"pledge": "Emergency repairs in 24 hours", "kept_rate": 0.91, "reports": 44}
            ],
            "escalations": [{"kind": "rota gap", "count": 4, "median_hours_to_resolve": 20.5}],
        },
        "value": {
            "method": "minimum",
            "method_label": "The legal minimum wage (a floor)",
            "year": 2026,
            "rate_pence": 1271,
            "minutes": 9000,
            "value_pence": 190650,
        },
        "people": {
            "busiest": [{"name": BUSIEST, "minutes": 2700}, {"name": TIRED, "minutes": 2460}],
            "burnout": [{"name": TIRED, "minutes": 2460}],
        },
    }


def fake_public(report: dict) -> dict:
    """What the real public() must at least do: no member named."""
    shown = copy.deepcopy(report)
    shown.pop("people", None)
    return shown


@pytest.fixture
def full(monkeypatch):
    """The pages get `full_report()` from report.build, and public() hides names."""
    monkeypatch.setattr(
        report_module,
        "build",
        lambda hub, start, end: full_report(hub.slug, start.isoformat(), end.isoformat()),
    )
    monkeypatch.setattr(report_module, "public", fake_public, raising=False)
    return full_report()
