"""The insight report of one hub for one period: every figure the dashboard, the board
report, the CSVs, the public summary and `coproduce insight report` show, as one dict
that json.dumps can write. Its shape is documented in docs/insight.md; pages read its
keys, so a key changes here and there together.

Figures come from coproduce.insight.metrics (pure: arrays in, figures out), fed by a few
aggregate queries in coproduce.insight.queries. Hours are integer minutes; money is
integer pence; shares are fractions 0-1 (or None when there is nothing to divide by);
every count of people below SMALL_GROUP is hidden in the public summary (`public()`).

THE SHAPE (a placeholder below returns it with empty figures until the queries land):

{
  "hub": "millbrook", "from": "2026-07-01", "to": "2026-09-30",
  "generated_at": "2026-12-02T10:00:00+00:00", "small_group": 5,
  "equity": {
    "headline": {"deciles": [1, 2, 3], "participation_share": 0.12,
                 "population_share": 0.30, "ratio": 0.40},
    "activities": ["timebank", "referrals", "involvement", "conversations",
                   "reports", "space"],
    "by_decile": [{"decile": 1, "population": 1200, "people": 14,
                   "participation": {"timebank": 3, ...}, "per_1000": 11.7,
                   "benefit": {"hours_received_minutes": 600, "chest_minutes": 120,
                               "space_funded": 2, "pledge_breaches": 1}}],
    "by_area": [{"area": "MB1", "decile": 3, "population": 5400, "people": 20,
                 "participation": {...}, "per_1000": 3.7, "benefit": {...}}],
    "unknown_area": {"people": 4, "participation": {...}, "benefit": {...}}
  },
  "monitoring": {"answered": 31, "questions": {"age_band": [{"answer": "25 to 34",
                 "people": 7}, {"answer": "Other answers together", "people": 6}], ...}},
  "reciprocity": {"registered": 120, "active": 35, "active_share": 0.29,
                  "minutes_per_active": 260, "gave_and_received_share": 0.4,
                  "ratio_spread": {"only_gave": 5, "mostly_gave": 7, "balanced": 12,
                                   "mostly_received": 6, "only_received": 5},
                  "new": 8, "returning": 27, "hub_share": 0.1,
                  "by_month": [{"month": "2026-07", "active": 20, "exchanges": 31,
                                "minutes": 1800}]},
  "reliability": {"referral_days_to_match_median": 4.5, "referrals": 12,
                  "referrals_unmatched": 2, "unmet_requests": 6, "rota_fill_rate": 0.82,
                  "no_shows": 3, "cancellations": 5, "busiest_tenth_share": 0.46,
                  "burnout": {"people": 2, "hours_threshold_minutes": 2400},
                  "pledges": [{"pledge": "Emergency repairs in 24 hours",
                               "kept_rate": 0.91, "reports": 44}],
                  "escalations": [{"kind": "rota gap", "count": 4,
                                   "median_hours_to_resolve": 20.5}]},
  "value": {"method": "minimum", "method_label": "The legal minimum wage (a floor)",
            "year": 2026, "rate_pence": 1271, "minutes": 9000, "value_pence": 190650,
            "by_kind": [...] only when the method is "role"},
  "people": {"busiest": [{"name": ..., "minutes": ...}], "burnout": [...]}
            coordinators only; never in public() nor in the command's file unless asked
}
"""

import datetime

from coproduce.hubs.models import Hub

ACTIVITIES = ["timebank", "referrals", "involvement", "conversations", "reports", "space"]


def build(hub: Hub, start: datetime.date, end: datetime.date) -> dict:
    """The report for `hub` from `start` to `end`, both days included. Placeholder."""
    return {
        "hub": hub.slug,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "small_group": 5,
        "equity": {
            "headline": {
                "deciles": [1, 2, 3],
                "participation_share": None,
                "population_share": None,
                "ratio": None,
            },
            "activities": ACTIVITIES,
            "by_decile": [],
            "by_area": [],
            "unknown_area": {"people": 0, "participation": {}, "benefit": {}},
        },
        "monitoring": {"answered": 0, "questions": {}},
        "reciprocity": {},
        "reliability": {},
        "value": {},
    }
