"""What an hour of help is worth, by the method a hub chooses, for a given day.

Pure (no Django): rates in pence an hour, each with the year it belongs to and where it
comes from, so the report shows method, label, year, rate and source beside every money
figure. Methods are never mixed in one total.

- "minimum": the National Living Wage, the legal minimum for workers aged 21 and over,
  which changes each 1 April (GOV.UK "National Minimum Wage and National Living Wage
  rates"; the April 2026 rate as announced in the Autumn Budget 2025 on the Low Pay
  Commission's advice).
- "median": ONS Annual Survey of Hours and Earnings (ASHE), median gross hourly earnings
  excluding overtime of full-time employees, UK, April of each year ("Employee earnings
  in the UK", ONS bulletins of November 2023 and October 2024). A year without published
  figures uses the latest year that has them, and says which.
- "role": the hub's own rate for each kind of help (InsightSettings.role_rates, pence an
  hour by category id); a kind without a rate is shown apart, not valued.
"""

import datetime
from dataclasses import dataclass

MINIMUM_SOURCE = "GOV.UK: National Minimum Wage and National Living Wage rates (aged 21 and over)"
MEDIAN_SOURCE = (
    "ONS Annual Survey of Hours and Earnings: median gross hourly earnings excluding "
    "overtime, full-time employees, UK"
)
ROLE_SOURCE = "The hub's own rates for each kind of help"

# April of the year -> pence an hour
NATIONAL_LIVING_WAGE = {2021: 891, 2022: 950, 2023: 1042, 2024: 1144, 2025: 1221, 2026: 1271}
# April of the year -> pence an hour
ASHE_MEDIAN = {2023: 1752, 2024: 1864}

LABELS = {
    "median": "Median hourly earnings",
    "minimum": "The legal minimum wage (a floor)",
    "role": "A wage matched to each kind of help",
}


@dataclass(frozen=True)
class Rate:
    method: str
    label: str
    year: int
    rate_pence: int | None  # None for "role": each kind has its own
    source: str

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "method_label": self.label,
            "year": self.year,
            "rate_pence": self.rate_pence,
            "source": self.source,
        }


def april_year(day: datetime.date) -> int:
    """The year whose April rates are in force on `day`."""
    return day.year if day.month >= 4 else day.year - 1


def _in_force(table: dict[int, int], day: datetime.date) -> tuple[int, int]:
    wanted = april_year(day)
    known = [year for year in table if year <= wanted]
    year = max(known) if known else min(table)
    return year, table[year]


def rate_for(method: str, day: datetime.date) -> Rate:
    """The rate of `method` in force on `day` (the period's last day)."""
    if method == "minimum":
        year, pence = _in_force(NATIONAL_LIVING_WAGE, day)
        return Rate(method, LABELS[method], year, pence, MINIMUM_SOURCE)
    if method == "median":
        year, pence = _in_force(ASHE_MEDIAN, day)
        return Rate(method, LABELS[method], year, pence, MEDIAN_SOURCE)
    if method == "role":
        return Rate(method, LABELS[method], april_year(day), None, ROLE_SOURCE)
    raise ValueError(f"No valuation method is called {method!r}.")


def role_rates(settings_rates: dict) -> dict[str, int]:
    """The hub's role rates as {category id (text): pence}, leaving out anything that is
    not a whole number of pence above nothing."""
    rates = {}
    for key, pence in (settings_rates or {}).items():
        if isinstance(pence, int) and not isinstance(pence, bool) and pence > 0:
            rates[str(key)] = pence
    return rates
