"""Shared objects of the area-data tests: the made-up files, and a hub's own areas."""

from pathlib import Path

from coproduce.hubs import services as hubs

FILES = Path(__file__).resolve().parent.parent / "data" / "geography"
ONSPD = FILES / "ONSPD.csv"
IOD = FILES / "IOD.csv"
IOD_BAD_DECILE = FILES / "IOD_bad_decile.csv"

# What the import must make of the made-up files (tests/data/geography/README.md).
DISTRICTS = {
    "MB1": (1, 2350),
    "MB2": (2, 3950),
    "MB3": (6, 4800),
    "MB4": (9, 4800),
    "NF1": (1, 3200),
}


def make_estates(world):
    """Millbrook's own areas: Brook Estate and Hill Top, no figures yet."""
    return [
        hubs.neighbourhood_create(actor=world.coordinator, hub=world.hub, name=name)
        for name in ("Brook Estate", "Hill Top")
    ]
