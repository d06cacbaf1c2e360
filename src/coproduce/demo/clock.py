"""The demo's story time.

The demo is told through the services, and the services date what they do with
`timezone.now()`. Inside `story_time()`, "now" is the story's clock instead: each step of
the story sets it (`clock.at(...)`) to when that step happened, relative to the day the
demo is loaded, so that consent comes before the referral, an offer before its match and
a membership before anything its member does, and the audit log tells the story in the
order it happened. Each reading of the clock moves it on a second, so steps taken one
after the other are never at the same moment.

Only the demo uses this: it patches `django.utils.timezone.now` and the model fields
whose default is that function, for as long as the story is being loaded.
"""

import contextlib
import datetime

from django.apps import apps
from django.utils import timezone

TICK = datetime.timedelta(seconds=1)


class Clock:
    def __init__(self, today: datetime.date):
        self.today = today
        self.now = self.moment(0, 0)

    def moment(self, days_ago: float, hour: int = 9, minute: int = 0) -> datetime.datetime:
        """`days_ago` days before the day the demo is loaded, at this local time."""
        day = self.today - datetime.timedelta(days=days_ago)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def at(self, moment: datetime.datetime | datetime.date, hour: int = 9) -> datetime.datetime:
        """Set the clock to `moment` (a date means `hour` o'clock that day)."""
        if not isinstance(moment, datetime.datetime):
            moment = timezone.make_aware(datetime.datetime.combine(moment, datetime.time(hour)))
        self.now = moment
        return moment

    def ago(self, days_ago: float, hour: int = 9, minute: int = 0) -> datetime.datetime:
        return self.at(self.moment(days_ago, hour, minute))

    def __call__(self) -> datetime.datetime:
        self.now += TICK
        return self.now


@contextlib.contextmanager
def story_time(today: datetime.date):
    """Within the block, `timezone.now()` (and every model default that calls it) reads
    the story's clock, which the block sets as the story goes on."""
    clock = Clock(today)
    real_now = timezone.now
    fields = [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.default is real_now
    ]

    def use(default):
        for field in fields:
            field.default = default
            field.__dict__.pop("_get_default", None)  # a cached_property of the default

    timezone.now = clock
    use(clock)
    try:
        yield clock
    finally:
        timezone.now = real_now
        use(real_now)
