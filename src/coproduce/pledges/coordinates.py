"""Latitude and longitude as given on a form, in the JSON API or by an Open311 client: one
set of rules for every way in. Pure: no Django.

A coordinate is blank (None, or text of spaces), or a number of degrees written in
figures ("53.4808", "-2.24", 53.4808), in at most 40 characters: finite, from -90 to 90
for latitude and from -180 to 180 for longitude. It is kept to six decimal places (about
10 cm), as the database's DecimalField(9, 6) holds it, rounding half to even. A map point
needs both or neither.
"""

import decimal

from coproduce.errors import ApplicationError

LATITUDE, LONGITUDE = 90, 180
PLACES = decimal.Decimal("0.000001")
# Longer than any real coordinate, with room for a client's float written out in full.
MAX_LENGTH = 40


def coordinate(value, field: str, limit: int) -> decimal.Decimal | None:
    """`value` as degrees kept to six places, None when blank; otherwise an
    ApplicationError naming `field`."""
    if value is None:
        return None
    if isinstance(value, bool):  # True is an int in Python, and no place on Earth
        raise _refused(field, limit)
    text = str(value).strip()
    if not text:
        return None
    if len(text) > MAX_LENGTH:
        raise _refused(field, limit)
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise _refused(field, limit) from None
    if not number.is_finite() or not -limit <= number <= limit:
        raise _refused(field, limit)
    kept = number.quantize(PLACES, rounding=decimal.ROUND_HALF_EVEN)
    return kept if kept else abs(kept)  # never "-0.000000"


def point(lat, long) -> tuple[decimal.Decimal | None, decimal.Decimal | None]:
    """Latitude and longitude together (both checked), or (None, None) when neither is
    given; one without the other is an ApplicationError naming the missing one."""
    lat, long = coordinate(lat, "lat", LATITUDE), coordinate(long, "long", LONGITUDE)
    if (lat is None) != (long is None):
        raise ApplicationError(
            "Give both latitude and longitude, or neither.",
            field="long" if lat is not None else "lat",
        )
    return lat, long


def _refused(field: str, limit: int) -> ApplicationError:
    name = "latitude" if field == "lat" else "longitude" if field == "long" else "degrees"
    example = "53.4808" if limit == LATITUDE else "-2.2426"
    return ApplicationError(
        f"Give the {name} as a number from -{limit} to {limit}, such as {example}.",
        field=field,
    )
