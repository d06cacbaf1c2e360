"""Reads for the people side of involvement: a person's record (roles, meetings, training,
thanks), the hub's figures for a period, the payments list, and the packs a coordinator
posts or reads out. Each reads a few queries whatever the hub's size: the figures are
counted by the database, never person by person."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from coproduce.hubs import access as hub_access
from coproduce.hubs.models import ContactPreference, Hub, Person

from .access import SMALL_GROUP
from .guard import money
from .models import (
    HOLDING_STATUSES,
    POSTED_FORMATS,
    Attendance,
    AttendanceStatus,
    CoKind,
    Expense,
    ExpenseStatus,
    HowOften,
    InvolvementChoice,
    Opportunity,
    Pack,
    PackFormat,
    Recompense,
    Session,
    Side,
    SignUp,
    Training,
)
from .services.sweeps import period_of

# The thanks chosen, said of anyone: the choices' own labels speak as the person choosing
# ("Time credits in my time bank account"), wrong on a coordinator's page or a CSV.
THANKS_SAID = {
    Recompense.CREDITS: "Time credits",
    Recompense.PAYMENT: "A payment at the hub's rate",
    Recompense.VOUCHER: "A voucher",
    Recompense.DECLINE: "Declined, with thanks",
    Recompense.DONATE: "Hours given to the community chest",
}

PAID_KINDS = [Recompense.PAYMENT, Recompense.VOUCHER]


def hours(minutes: int) -> str:
    """'1 h 30 min'; '0 h' for none."""
    hours_, rest = divmod(int(minutes or 0), 60)
    if hours_ and rest:
        return f"{hours_} h {rest} min"
    if rest:
        return f"{rest} min"
    return f"{hours_} h"


def people(count: int) -> str:
    """A count of people as the figures say it: under five is 'fewer than 5'."""
    if 0 < count < SMALL_GROUP:
        return f"fewer than {SMALL_GROUP}"
    return f"{count:,}"


# --- a person's record --------------------------------------------------------------------


@dataclass
class Record:
    person: Person
    hub: Hub
    roles: list[SignUp]
    meetings: list[Attendance]
    training: list[Training]
    today: datetime.date
    attended: list[Attendance] = field(default_factory=list)

    def __post_init__(self):
        self.attended = [a for a in self.meetings if a.status == AttendanceStatus.ATTENDED]

    @property
    def minutes(self) -> int:
        return sum(a.minutes for a in self.attended)

    @property
    def hours(self) -> str:
        return hours(self.minutes)

    def _count(self, status) -> int:
        return sum(1 for a in self.meetings if a.status == status)

    @property
    def no_shows(self) -> int:
        return self._count(AttendanceStatus.NO_SHOW)

    @property
    def apologies(self) -> int:
        return self._count(AttendanceStatus.APOLOGIES)

    @property
    def first_day(self) -> datetime.date | None:
        days = [timezone.localdate(a.session.starts_at) for a in self.attended]
        return min(days) if days else None

    @property
    def last_day(self) -> datetime.date | None:
        days = [timezone.localdate(a.session.starts_at) for a in self.attended]
        return max(days) if days else None

    @property
    def kinds(self) -> list[str]:
        seen = {a.session.opportunity.kind for a in self.attended}
        return [label for value, label in CoKind.choices if value in seen]

    @property
    def opportunities(self) -> list[str]:
        return list(dict.fromkeys(a.session.opportunity.title for a in self.attended))

    def _minutes_for(self, choice) -> int:
        return sum(a.minutes for a in self.attended if a.recompense == choice)

    def _pence_for(self, choice) -> int:
        return sum(a.amount_pence for a in self.attended if a.recompense == choice)

    @property
    def totals(self) -> list[tuple[str, str]]:
        """What the person was given, in words, for the totals table."""
        expenses = [e for a in self.meetings for e in a.expenses.all()]
        repaid = sum(e.amount_pence for e in expenses if e.status != ExpenseStatus.REJECTED)
        rows = [
            ("Meetings attended", f"{len(self.attended)}"),
            ("Time given", self.hours),
            ("Time credits", hours(self._minutes_for(Recompense.CREDITS))),
            ("Hours given to the community chest", hours(self._minutes_for(Recompense.DONATE))),
            ("Payments", money(self._pence_for(Recompense.PAYMENT))),
            ("Vouchers", money(self._pence_for(Recompense.VOUCHER))),
            ("Thanks declined", f"{self._count_thanks(Recompense.DECLINE)} meetings"),
            ("Expenses claimed (not counting any refused)", money(repaid)),
            ("Missed without apologies", f"{self.no_shows}"),
            ("Sent apologies", f"{self.apologies}"),
        ]
        return rows

    def _count_thanks(self, choice) -> int:
        return sum(1 for a in self.attended if a.recompense == choice)

    def rows(self) -> list[dict]:
        """Each meeting in words: when, what, whether they came, the time, the thanks
        (with the amount in pounds) and the expenses."""
        found = []
        for a in self.meetings:
            came = a.status == AttendanceStatus.ATTENDED
            thanks = ""
            if a.recompense:
                thanks = THANKS_SAID[a.recompense]
                if a.amount_pence:
                    paid = "paid" if a.paid_at else "to be paid"
                    thanks = f"{thanks}: {money(a.amount_pence)}, {paid}"
            expenses = "; ".join(
                f"{e.get_kind_display().split(' (')[0]} {money(e.amount_pence)}: "
                f"{e.get_status_display().lower()}"
                for e in a.expenses.all()
            )
            found.append(
                {
                    "attendance": a,
                    "came": came,
                    "time": a.length if came else "",
                    "thanks": thanks,
                    "expenses": expenses,
                }
            )
        return found


def training_state(training: Training, today: datetime.date) -> str:
    """'Expired on 3 May 2026', 'Valid until 3 May 2027', 'Does not expire'."""
    if training.expires_on is None:
        return "Does not expire"
    if training.expires_on <= today:
        return f"Expired on {training.expires_on:%-d %B %Y}"
    return f"Valid until {training.expires_on:%-d %B %Y}"


def record_of(hub: Hub, person: Person) -> Record:
    """Everything the person did in the hub's involvement: four queries."""
    roles = list(
        SignUp.objects.filter(opportunity__hub=hub, person=person)
        .select_related("opportunity")
        .order_by("-asked_at", "-id")
    )
    meetings = list(
        Attendance.objects.filter(session__opportunity__hub=hub, person=person)
        .select_related("session__opportunity")
        .prefetch_related(Prefetch("expenses", queryset=Expense.objects.order_by("pk")))
        .order_by("session__starts_at", "id")
    )
    training = list(Training.objects.filter(hub=hub, person=person).order_by("name", "id"))
    return Record(person, hub, roles, meetings, training, timezone.localdate())


def record_rows(record: Record):
    """The record as rows for a spreadsheet: each meeting, role and training."""
    for a in record.meetings:
        expenses = sum(
            e.amount_pence for e in a.expenses.all() if e.status != ExpenseStatus.REJECTED
        )
        yield [
            "Meeting",
            timezone.localtime(a.session.starts_at).strftime("%Y-%m-%d %H:%M"),
            a.session.opportunity.title,
            a.session.opportunity.get_kind_display(),
            a.get_status_display(),
            f"{a.minutes // 60}:{a.minutes % 60:02d}",
            f"{a.minutes / 60:.2f}",
            THANKS_SAID[a.recompense] if a.recompense else "",
            f"{a.amount_pence / 100:.2f}" if a.amount_pence else "",
            f"{expenses / 100:.2f}" if expenses else "",
            timezone.localtime(a.paid_at).strftime("%Y-%m-%d") if a.paid_at else "",
        ]
    for s in record.roles:
        yield [
            "Role",
            timezone.localtime(s.asked_at).strftime("%Y-%m-%d %H:%M"),
            s.opportunity.title,
            s.opportunity.get_kind_display(),
            s.get_status_display(),
            *[""] * 6,
        ]
    for t in record.training:
        yield [
            "Training",
            t.trained_on.isoformat(),
            t.name,
            "",
            training_state(t, record.today),
            *[""] * 5,
            t.expires_on.isoformat() if t.expires_on else "",
        ]


RECORD_HEADER = [
    "Record",
    "Date",
    "Opportunity or training",
    "Kind of involvement",
    "Status",
    "Time (h:mm)",
    "Hours",
    "Thanks chosen",
    "Amount (£)",
    "Expenses (£)",
    "Paid on, or expires on",
]


# --- the hub's figures --------------------------------------------------------------------


@dataclass
class Figures:
    start: datetime.date
    end: datetime.date  # the last day counted
    people: int
    by_kind: list[tuple[str, int]]
    meetings: int
    minutes: int
    panels: int
    hired: int
    payments_pence: int
    vouchers_pence: int
    credits_minutes: int
    donated_minutes: int
    came: int
    no_shows: int
    no_show_people: int
    first_time: int

    @property
    def hours(self) -> str:
        return hours(self.minutes)

    @property
    def no_show_rate(self) -> str:
        expected = self.came + self.no_shows
        if not expected:
            return "No meetings recorded"
        if 0 < self.no_show_people < SMALL_GROUP:
            return f"{people(self.no_show_people)} people missed a meeting without apologies"
        share = round(100 * self.no_shows / expected)
        return f"{share}% of places ({self.no_shows:,} of {expected:,})"

    def sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The figures in words, by heading."""
        meetings = "1 meeting" if self.meetings == 1 else f"{self.meetings:,} meetings"
        panels = "1 panel" if self.panels == 1 else f"{self.panels:,} panels"
        return [
            (
                "People",
                [
                    ("People involved (came to at least one meeting)", people(self.people)),
                    ("Involved for the first time", self.first_time_share),
                ],
            ),
            (
                "People involved, by kind of involvement",
                [(label, people(count)) for label, count in self.by_kind],
            ),
            (
                "Meetings and time",
                [
                    ("Meetings held", meetings),
                    ("Time given", self.hours),
                    ("Missed without apologies", self.no_show_rate),
                ],
            ),
            (
                "Staff recruited with service users on the panel",
                [
                    ("Recruitment panels with a service user who came", panels),
                    ("Staff hired by those panels", f"{self.hired:,}"),
                ],
            ),
            (
                "Thanks given",
                [
                    ("Payments", money(self.payments_pence)),
                    ("Vouchers", money(self.vouchers_pence)),
                    ("Time credits", hours(self.credits_minutes)),
                    ("Hours given to the community chest", hours(self.donated_minutes)),
                ],
            ),
        ]

    @property
    def first_time_share(self) -> str:
        if not self.people:
            return "Nobody was involved"
        if 0 < self.first_time < SMALL_GROUP:
            return f"{people(self.first_time)} people were involved for the first time"
        share = round(100 * self.first_time / self.people)
        return f"{share}% ({people(self.first_time)} of {people(self.people)} people)"


def figures_for(hub: Hub, start: datetime.date, end: datetime.date) -> Figures:
    """The hub's involvement from `start` to `end` (both days counted), counted by the
    database: about eight queries at any size."""
    begin = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    stop = timezone.make_aware(
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time())
    )
    in_period = Attendance.objects.filter(
        session__opportunity__hub=hub,
        session__starts_at__gte=begin,
        session__starts_at__lt=stop,
        session__cancelled=False,
    )
    came = in_period.filter(status=AttendanceStatus.ATTENDED)
    totals = came.aggregate(
        n_people=Count("person", distinct=True),
        n_meetings=Count("session", distinct=True),
        n_minutes=Sum("minutes"),
        n_payments=Sum("amount_pence", filter=Q(recompense=Recompense.PAYMENT)),
        n_vouchers=Sum("amount_pence", filter=Q(recompense=Recompense.VOUCHER)),
        n_credits=Sum("minutes", filter=Q(recompense=Recompense.CREDITS)),
        n_donated=Sum("minutes", filter=Q(recompense=Recompense.DONATE)),
        n_came=Count("pk"),
    )
    missed = in_period.filter(status=AttendanceStatus.NO_SHOW).aggregate(
        n_count=Count("pk"), n_people=Count("person", distinct=True)
    )
    kinds = dict(
        came.values_list("session__opportunity__kind")
        .annotate(n_people=Count("person", distinct=True))
        .values_list("session__opportunity__kind", "n_people")
    )
    panels = Opportunity.objects.filter(
        hub=hub,
        is_recruitment=True,
        pk__in=came.filter(
            session__opportunity__is_recruitment=True, signup__side=Side.USER
        ).values("session__opportunity_id"),
    ).aggregate(n_panels=Count("pk"), n_hired=Sum("hired"))
    # Involved in the period, and never before it.
    before = Attendance.objects.filter(
        session__opportunity__hub=hub,
        status=AttendanceStatus.ATTENDED,
        session__cancelled=False,
        session__starts_at__lt=begin,
    )
    first_time = came.exclude(person_id__in=before.values("person_id")).aggregate(
        n=Count("person", distinct=True)
    )["n"]
    return Figures(
        start=start,
        end=end,
        people=totals["n_people"],
        by_kind=[(label, kinds.get(value, 0)) for value, label in CoKind.choices],
        meetings=totals["n_meetings"],
        minutes=totals["n_minutes"] or 0,
        panels=panels["n_panels"],
        hired=panels["n_hired"] or 0,
        payments_pence=totals["n_payments"] or 0,
        vouchers_pence=totals["n_vouchers"] or 0,
        credits_minutes=totals["n_credits"] or 0,
        donated_minutes=totals["n_donated"] or 0,
        came=totals["n_came"],
        no_shows=missed["n_count"],
        no_show_people=missed["n_people"],
        first_time=first_time,
    )


# --- payments ------------------------------------------------------------------------------


def payments_of(hub: Hub, *, waiting: bool | None = None):
    """Payments and vouchers chosen, oldest meeting first (`waiting`: not yet paid)."""
    found = Attendance.objects.filter(
        session__opportunity__hub=hub, recompense__in=PAID_KINDS
    ).select_related("session__opportunity", "person")
    if waiting is not None:
        found = found.filter(paid_at__isnull=waiting)
    return found.order_by("session__starts_at", "id")


def expenses_of(hub: Hub, *, waiting: bool | None = None):
    """Expenses claimed, oldest meeting first (`waiting`: claimed or approved, not repaid)."""
    found = Expense.objects.filter(attendance__session__opportunity__hub=hub).select_related(
        "attendance__session__opportunity", "attendance__person"
    )
    open_ = [ExpenseStatus.CLAIMED, ExpenseStatus.APPROVED]
    if waiting is True:
        found = found.filter(status__in=open_)
    elif waiting is False:
        found = found.exclude(status__in=open_)
    return found.order_by("attendance__session__starts_at", "id")


PAYMENTS_HEADER = [
    "Date of meeting",
    "Person",
    "What",
    "Time (h:mm)",
    "Kind",
    "Amount (£)",
    "Taxable",
    "Benefits warning shown",
    "Status",
    "Chosen or claimed on",
]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def payment_rows(hub: Hub):
    """Every payment, voucher and expense of the hub, for the finance team: streamed."""
    for a in payments_of(hub).iterator(chunk_size=500):
        yield [
            timezone.localtime(a.session.starts_at).strftime("%Y-%m-%d %H:%M"),
            a.person.display_name,
            a.session.opportunity.title,
            f"{a.minutes // 60}:{a.minutes % 60:02d}",
            "payment" if a.recompense == Recompense.PAYMENT else "voucher",
            f"{a.amount_pence / 100:.2f}",
            _yes(a.taxable),
            _yes(a.warned),
            "paid" if a.paid_at else "waiting",
            timezone.localtime(a.chosen_at).strftime("%Y-%m-%d %H:%M") if a.chosen_at else "",
        ]
    for e in expenses_of(hub).iterator(chunk_size=500):
        a = e.attendance
        # Only an approved claim is the finance team's to pay: a claim a coordinator has
        # not yet looked at is said so, not "waiting" like one that is due.
        status = {
            ExpenseStatus.PAID: "paid",
            ExpenseStatus.REJECTED: "not repaid",
            ExpenseStatus.CLAIMED: "not approved yet",
        }.get(e.status, "waiting")
        yield [
            timezone.localtime(a.session.starts_at).strftime("%Y-%m-%d %H:%M"),
            a.person.display_name,
            a.session.opportunity.title,
            f"{a.minutes // 60}:{a.minutes % 60:02d}",
            f"expenses {e.get_kind_display().split(' (')[0].lower()}",
            f"{e.amount_pence / 100:.2f}",
            "no",
            "no",
            status,
            timezone.localtime(e.claimed_at).strftime("%Y-%m-%d %H:%M"),
        ]


# --- packs to post, print or read out --------------------------------------------------------


@dataclass
class Posted:
    pack: Pack
    format: str
    format_label: str

    @property
    def person(self) -> Person:
        return self.pack.person

    @property
    def rings(self) -> bool:
        return (
            self.format == PackFormat.PHONE
            or self.person.contact_preference == ContactPreference.PHONE
        )

    @property
    def by_letter(self) -> bool:
        """Posted (a letter, or large print), so it needs the person's postal address."""
        return self.format in (PackFormat.POST, PackFormat.LARGE_PRINT)

    @property
    def lacks_address(self) -> bool:
        return self.by_letter and not self.person.postal_address.strip()


def packs_to_post(hub: Hub, today: datetime.date | None = None) -> list[Posted]:
    """This period's packs (this week's and this month's) for people who are not online
    or chose to have them posted, in large print, or read out: three queries."""
    today = today or timezone.localdate()
    periods = {period_of(HowOften.WEEKLY, today), period_of(HowOften.MONTHLY, today)}
    formats = dict(InvolvementChoice.objects.filter(hub=hub).values_list("person_id", "format"))
    posted_ids = [pid for pid, f in formats.items() if f in POSTED_FORMATS]
    # Only meetings still to come: a pack is read, or posted, to decide what to join.
    sessions = Session.objects.filter(cancelled=False, starts_at__gt=timezone.now()).order_by(
        "starts_at", "id"
    )
    packs = (
        Pack.objects.filter(hub=hub, period_start__in=periods)
        .filter(Q(person_id__in=posted_ids) | hub_access.not_managing_own_account())
        # Current members only: someone who has left (or was erased) since the pack was
        # made gets no letter, and their address is not printed for this hub.
        .filter(person_id__in=hub_access.active_members(hub).values("person_id"))
        .select_related("person")
        .prefetch_related(
            Prefetch(
                "opportunities",
                queryset=_with_held(Opportunity.objects.order_by("kind", "title")).prefetch_related(
                    Prefetch("sessions", queryset=sessions)
                ),
            )
        )
        .order_by("person__display_name", "person_id", "-period_start")
    )
    labels = dict(PackFormat.choices)
    found = []
    for pack in packs:
        chosen = formats.get(pack.person_id, PackFormat.POST)
        label = labels[chosen]
        if chosen == PackFormat.EMAIL:
            chosen, label = PackFormat.POST, "Not online: a letter by post"
        found.append(Posted(pack, chosen, label))
    return found


def pack_opportunities(pack: Pack) -> list[Opportunity]:
    """The pack's opportunities with their meetings still to come."""
    sessions = Session.objects.filter(cancelled=False, starts_at__gt=timezone.now()).order_by(
        "starts_at", "id"
    )
    return list(
        _with_held(pack.opportunities.order_by("kind", "title")).prefetch_related(
            Prefetch("sessions", queryset=sessions)
        )
    )


def _with_held(opportunities):
    """With `held`, the places taken, so a pack can say when all are (the waiting list)."""
    return opportunities.annotate(
        held=Count("signups", filter=Q(signups__status__in=HOLDING_STATUSES))
    )


def held_training(hub: Hub):
    """Who holds which involvement training, soonest to expire first."""
    return (
        Training.objects.filter(hub=hub)
        .select_related("person")
        .order_by("name", "person__display_name", "id")
    )
