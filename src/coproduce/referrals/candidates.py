"""Candidate givers for "Who could help", read from the database for the engine
(`matching`), which alone decides who is offered and in what order.

A need only ever returns people who pass the engine's gate (`matching._score`): an
active member, not the person helped, their referrer or anyone already asked, with a
safeguarding check valid today when the need requires one, trained when the help comes
through a project that needs training, under the hub's cap on commitments, and, when
the need has a category or words, giving that category or sharing one of its words.

`ranked_for` asks the database for the members who pass the parts of the gate that are
facts about them (membership, exclusions, check, training; category or words through
the `GiverWord` index, by index lookups rather than LIKE scans) with their area and free
times: each is a hope, the best they could score (`matching.best_possible`). The engine
then reads in full (`read_in_full`: offers, checks, commitments, hours given and
received, in two queries) only the most hopeful, and then whoever could still reach the
tenth score (`matching.rank_in_order`). Nothing is filtered that the gate would let through, and
nobody is left unread who could have made the top ten, so the ranking is the one over
every member: the tests check it, on varied members, against `rank_naive` over
`candidate_pool` (which builds everyone, as the page did before).

Area and free times are scores, not gates (someone across town is still suggested when
nobody nearer fits), so they do not filter; they only order who is read first.
"""

import datetime
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from coproduce.hubs.models import Hub, Membership, Neighbourhood, Person, SafeguardingCheck
from coproduce.timebank.models import (
    Category,
    ExchangeParty,
    ExchangeStatus,
    Listing,
    ListingKind,
)

from . import access, matching, selectors
from .models import (
    OPEN_REFERRAL_STATUSES,
    Assignment,
    AssignmentStatus,
    GiverWord,
    MatchOffer,
    OfferStatus,
    Referral,
)

WORD_LENGTH = GiverWord._meta.get_field("word").max_length


@dataclass
class AreaCodes:
    """Areas as whole numbers for the engine: a neighbourhood, or a postcode district."""

    codes: dict[str, int]

    def of(self, name: str) -> int:
        if not name:
            return matching.NO_AREA
        return self.codes.setdefault(name, len(self.codes))


def _indexed(words: Collection[str]) -> set[str]:
    # Words longer than the column are kept by their first WORD_LENGTH letters, on both
    # sides, so a lookup finds whatever the engine would call the same word.
    return {word[:WORD_LENGTH] for word in words}


# --- the word index ---------------------------------------------------------------------


def index_person(person: Person) -> None:
    """The words of what the person says they can give, as the engine reads them."""
    GiverWord.objects.filter(person=person, listing=None).delete()
    found = _indexed(matching.words(" ".join(map(str, person.assets or []))))
    GiverWord.objects.bulk_create(GiverWord(person=person, word=word) for word in sorted(found))


def index_listing(listing: Listing) -> None:
    """The words of an offer's title, under the member who offers it."""
    GiverWord.objects.filter(listing=listing).delete()
    person_id = (
        Membership.objects.filter(account__pk=listing.account_id)
        .values_list("person_id", flat=True)
        .first()
    )
    if listing.kind != ListingKind.OFFER or person_id is None:
        return
    found = _indexed(matching.words(listing.title))
    GiverWord.objects.bulk_create(
        GiverWord(person_id=person_id, listing=listing, word=word) for word in sorted(found)
    )


def index_rebuild(batch: int = 2000) -> int:
    """The whole index again from people and offers (after a change to `matching.words`,
    or rows written in bulk without `save()`). Returns how many words it holds."""
    GiverWord.objects.all().delete()
    rows: list[GiverWord] = []

    def flush(force: bool = False) -> None:
        if rows and (force or len(rows) >= batch):
            GiverWord.objects.bulk_create(rows, batch_size=500)
            rows.clear()

    for person_id, assets in Person.objects.exclude(assets=[]).values_list("pk", "assets"):
        for word in sorted(_indexed(matching.words(" ".join(map(str, assets or []))))):
            rows.append(GiverWord(person_id=person_id, word=word))
        flush()
    offers = Listing.objects.filter(kind=ListingKind.OFFER, account__membership__isnull=False)
    for listing_id, person_id, title in offers.values_list(
        "pk", "account__membership__person_id", "title"
    ):
        for word in sorted(_indexed(matching.words(title))):
            rows.append(GiverWord(person_id=person_id, listing_id=listing_id, word=word))
        flush()
    flush(force=True)
    return GiverWord.objects.count()


# --- building candidates ----------------------------------------------------------------


def _candidate(
    person_id: int,
    *,
    assets,
    listings: list[tuple[int | None, str]],
    area: int,
    availability,
    until: datetime.date | None,
    trained: bool,
    load: int,
    exchanged,
    category_words,
    project,
) -> matching.Candidate:
    """One member as the engine sees them, from what was read about them (`listings`:
    the category and title of each of their open offers)."""
    category_ids = {category_id for category_id, _title in listings if category_id}
    asset_words = matching.words(" ".join(assets))
    category_ids |= {pk for pk, name_words in category_words if name_words & asset_words}
    given, received = exchanged
    return matching.Candidate(
        member_id=person_id,
        categories=frozenset(category_ids),
        words=asset_words | matching.words(*(title for _category, title in listings)),
        area=area,
        availability=selectors.availability_bits(availability),
        check_valid_until=until.toordinal() if until else 0,
        trainings=frozenset([project.pk]) if trained else frozenset(),
        load=load,
        given_minutes=given,
        received_minutes=received,
    )


def _category_words(hub: Hub) -> list[tuple[int, frozenset[str]]]:
    return [
        (pk, matching.words(name))
        for pk, name in Category.objects.filter(hub=hub).values_list("pk", "name")
    ]


def _build(hub: Hub, memberships, *, today, project, among: list[int] | None, areas=None):
    """Candidates for `memberships` (a queryset of the hub's active members), and the
    area codes used; `among` limits every other read to those people (None: everyone)."""

    def only(queryset, field="person_id"):
        return queryset if among is None else queryset.filter(**{f"{field}__in": among})

    areas = areas if areas is not None else AreaCodes({})
    category_words = _category_words(hub)
    offered: dict[int, list[Listing]] = defaultdict(list)
    listings = Listing.objects.filter(
        hub=hub, kind="offer", is_active=True, account__membership__isnull=False
    ).select_related("account__membership")
    for listing in only(listings, "account__membership__person_id"):
        offered[listing.account.membership.person_id].append(listing)
    checks = dict(
        only(SafeguardingCheck.objects.filter(hub=hub, issued_on__lte=today, expires_on__gt=today))
        .values("person_id")
        .annotate(until=Max("expires_on"))
        .values_list("person_id", "until")
    )
    trained = (
        set(only(access.trained_for(project, on=today)))
        if project is not None and project.training
        else set()
    )
    load = selectors.commitments(hub, among=among)
    since = timezone.now() - datetime.timedelta(days=selectors.RECIPROCITY_DAYS)
    exchanged = selectors.minutes_given_and_received(hub, since, among=among)
    candidates = []
    for membership in memberships.select_related("person", "neighbourhood"):
        person = membership.person
        until = checks.get(person.pk)
        candidates.append(
            _candidate(
                person.pk,
                assets=person.assets,
                listings=[(x.category_id, x.title) for x in offered.get(person.pk, [])],
                area=areas.of(membership.area),
                availability=person.availability,
                until=until,
                trained=person.pk in trained,
                load=load.get(person.pk, 0),
                exchanged=exchanged.get(person.pk, (0, 0)),
                category_words=category_words,
                project=project,
            )
        )
    return candidates, areas


def candidate_pool(hub: Hub, *, today: datetime.date, project=None):
    """Every active member of the hub as a candidate giver, and the area codes used. With
    a project that needs training, who holds it today (access.trained_for, the rota's
    own rule). The reference for `candidates_for`; it reads the whole hub."""
    members = Membership.objects.filter(hub=hub, is_active=True)
    return _build(hub, members, today=today, project=project, among=None)


def _count(queryset, expression="pk", *, function="COUNT", template=None):
    """A correlated subquery giving one number (0 when nothing is found): `queryset`
    filtered on an `OuterRef`, `function` over `expression`."""
    extra = {"template": template} if template else {}
    total = Func(expression, function=function, output_field=IntegerField(), **extra)
    return Coalesce(
        Subquery(queryset.order_by().annotate(total=total).values("total")[:1]), Value(0)
    )


def read_in_full(
    hub: Hub,
    ids: list[int],
    *,
    today: datetime.date,
    project,
    areas: AreaCodes,
    category_words: list[tuple[int, frozenset[str]]],
) -> list[matching.Candidate]:
    """The hub's active members among `ids` as candidates, exactly as `candidate_pool`
    builds them (the tests compare the two), in two queries: each member with their
    area, free times, check, training, commitments and hours given and received (as
    subqueries on indexes, one row a member), then their open offers."""
    now = timezone.now()
    since = now - datetime.timedelta(days=selectors.RECIPROCITY_DAYS)
    person, membership = OuterRef("person_id"), OuterRef("pk")
    confirmed = ExchangeParty.objects.filter(
        account__hub=hub,
        account__membership=membership,
        exchange__status=ExchangeStatus.CONFIRMED,
        exchange__confirmed_at__gte=since,
    )
    members = Membership.objects.filter(hub=hub, is_active=True, person_id__in=ids).annotate(
        until=Subquery(
            SafeguardingCheck.objects.filter(
                hub=hub, person_id=person, issued_on__lte=today, expires_on__gt=today
            )
            .order_by("-expires_on")
            .values("expires_on")[:1]
        ),
        # The three kinds of commitment of `selectors.commitments`.
        helping=_count(
            MatchOffer.objects.filter(
                referral__hub=hub,
                status=OfferStatus.ACCEPTED,
                referral__status__in=OPEN_REFERRAL_STATUSES,
                volunteer_id=person,
            )
        ),
        agreed=_count(
            ExchangeParty.objects.filter(
                account__hub=hub,
                account__membership=membership,
                side=ExchangeParty.GIVES,
                exchange__status__in=[ExchangeStatus.PROPOSED, ExchangeStatus.AGREED],
                exchange__listing__isnull=False,
            )
        ),
        on_rota=_count(
            Assignment.objects.filter(
                slot__project__hub=hub,
                status=AssignmentStatus.ON_ROTA,
                slot__starts_at__gte=now,
                person_id=person,
            ),
            "slot__project",
            template="COUNT(DISTINCT %(expressions)s)",
        ),
        given=_count(confirmed.filter(side=ExchangeParty.GIVES), "minutes", function="SUM"),
        received=_count(confirmed.filter(side=ExchangeParty.RECEIVES), "minutes", function="SUM"),
    )
    training = project is not None and project.training
    if training:
        members = members.annotate(
            trained=Exists(access.trained_for(project, on=today).filter(person_id=person))
        )
    fields = ["pk", "person_id", "person__assets", "person__availability"]
    fields += ["neighbourhood__name", "person__postcode_district", "until"]
    fields += ["helping", "agreed", "on_rota", "given", "received"]
    rows = list(members.order_by().values_list(*fields, *(["trained"] if training else [])))
    offered: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
    for membership_id, category_id, title in (
        # By the accounts of the hub's memberships found (an offer is in its account's
        # hub, an account in its membership's): asked by hub, SQLite reads them all.
        Listing.objects.filter(
            account__membership_id__in=[row[0] for row in rows],
            kind=ListingKind.OFFER,
            is_active=True,
        )
        .order_by("-created_at")
        .values_list("account__membership_id", "category_id", "title")
    ):
        offered[membership_id].append((category_id, title))
    found = []
    for row in sorted(rows, key=lambda row: row[1]):
        membership_id, person_id, assets, availability, neighbourhood, postcode, until = row[:7]
        helping, agreed, on_rota, given, received = row[7:12]
        found.append(
            _candidate(
                person_id,
                assets=assets or [],
                listings=offered.get(membership_id, []),
                area=areas.of(neighbourhood or postcode),
                availability=availability or [],
                until=until,
                trained=bool(training and row[12]),
                load=helping + agreed + on_rota,
                exchanged=(given, received),
                category_words=category_words,
                project=project,
            )
        )
    return found


@dataclass(frozen=True)
class Asked:
    """What a referral asks of its givers, read once: the engine's Need is made from it
    with the area codes of whoever is built."""

    referral: Referral
    today: datetime.date
    category_words: frozenset[str]
    words: frozenset[str]
    adjacent: frozenset[str]
    exclude: frozenset[int]
    needs_check: bool
    project: object

    def need(self, areas: AreaCodes) -> matching.Need:
        referral = self.referral
        return matching.Need(
            today=self.today.toordinal(),
            category=referral.category_id,
            words=self.words,
            area=areas.of(referral.area),
            adjacent_areas=frozenset(areas.of(name) for name in sorted(self.adjacent)),
            availability=selectors.availability_bits(referral.preferred_times),
            needs_check=self.needs_check,
            training=self.project.pk if self.project and self.project.training else None,
            exclude=self.exclude,
        )


def asked_of(referral: Referral, *, today: datetime.date) -> Asked:
    adjacent: set[str] = set()
    if referral.neighbourhood_id:
        adjacent = set(
            Neighbourhood.objects.filter(adjacent=referral.neighbourhood).values_list(
                "name", flat=True
            )
        )
    project = referral.project if referral.project_id else None
    asked = (
        MatchOffer.objects.filter(referral=referral)
        .exclude(status=OfferStatus.WITHDRAWN)
        .values_list("volunteer_id", flat=True)
    )
    category = referral.category.name if referral.category_id else ""
    return Asked(
        referral=referral,
        today=today,
        category_words=matching.words(category),
        words=matching.words(category, referral.shared_note),
        adjacent=frozenset(adjacent),
        exclude=frozenset([referral.person_id, referral.referred_by_id, *asked]),
        needs_check=referral.needs_check or bool(project and project.needs_check),
        project=project,
    )


def need_for(referral: Referral, areas: AreaCodes, *, today: datetime.date) -> matching.Need:
    return asked_of(referral, today=today).need(areas)


def _offer_words(hub: Hub, wanted: list[str]):
    return GiverWord.objects.filter(
        word__in=wanted,
        listing__hub=hub,
        listing__kind=ListingKind.OFFER,
        listing__is_active=True,
    )


def _offers_in(hub: Hub, category_id: int | None):
    return Listing.objects.filter(
        hub=hub,
        kind=ListingKind.OFFER,
        is_active=True,
        category_id=category_id,
        account__membership__isnull=False,
    )


def _fitting(hub: Hub, asked: Asked) -> dict[int, tuple[bool, set[str]]] | None:
    """The people who give the need's category or share one of its words, each with
    whether they may give the category and the need's words they may share (a superset:
    an offer closed since, a long word cut short); None when the need names neither, so
    everyone fits. Index lookups on words and categories."""
    category_id = asked.referral.category_id
    if category_id is None and not asked.words:
        return None
    by_index: dict[str, set[str]] = defaultdict(set)
    for word in asked.words | asked.category_words:
        by_index[word[:WORD_LENGTH]].add(word)
    found: dict[int, tuple[bool, set[str]]] = defaultdict(lambda: (False, set()))

    def add(person_id, category=False, indexed=None):
        fit, shared = found[person_id]
        if indexed is not None:
            shared |= by_index[indexed] & asked.words
            category = category or bool(by_index[indexed] & asked.category_words)
        found[person_id] = (fit or category, shared)

    if by_index:
        for person_id, word in GiverWord.objects.filter(
            word__in=list(by_index), listing=None
        ).values_list("person_id", "word"):
            add(person_id, indexed=word)
        for person_id, word in _offer_words(hub, list(by_index)).values_list("person_id", "word"):
            # An offer's title gives words, not categories (its category field does).
            fit, shared = found[person_id]
            found[person_id] = (fit, shared | (by_index[word] & asked.words))
    if category_id is not None:
        for person_id in _offers_in(hub, category_id).values_list(
            "account__membership__person_id", flat=True
        ):
            add(person_id, category=True)
    return {pk: found[pk] for pk in found.keys() - asked.exclude}


def _gated(hub: Hub, asked: Asked, fitting: bool):
    """The hub's active members who pass the gate's facts about them: not excluded, a
    check valid today when needed, trained when the project needs it, and, when
    `fitting`, giving the category or sharing a word (the same lookups as `_fitting`,
    here as subqueries, so no list of thousands of ids is sent back)."""
    today = asked.today
    members = Membership.objects.filter(hub=hub, is_active=True).exclude(
        person_id__in=asked.exclude
    )
    if fitting:
        wanted = list(_indexed(asked.words | asked.category_words))
        category_id = asked.referral.category_id
        # One list by the word index (an `IS NULL` test alone would scan every word).
        offered = Q(listing=None) | Q(
            listing__hub=hub, listing__kind=ListingKind.OFFER, listing__is_active=True
        )
        words = GiverWord.objects.filter(offered, word__in=wanted)
        fits = Q(person_id__in=words.values("person_id"))
        if category_id is not None:
            offers = _offers_in(hub, category_id)
            fits |= Q(person_id__in=offers.values("account__membership__person_id"))
        members = members.filter(fits)
    if asked.needs_check:
        members = members.filter(
            Exists(
                SafeguardingCheck.objects.filter(
                    hub=hub,
                    person_id=OuterRef("person_id"),
                    issued_on__lte=today,
                    expires_on__gt=today,
                )
            )
        )
    project = asked.project
    if project is not None and project.training:
        members = members.filter(person_id__in=access.trained_for(project, on=today))
    return members


def hopes_for(asked: Asked, *, hub: Hub, areas: AreaCodes) -> list[matching.Candidate]:
    """Each member who may pass the gate at their best: the categories and words they
    may give, their area and free times, with no commitments and no hours (the engine's
    `best_possible` adds the most those could give). Three small index lookups and one
    read of the members found."""
    fitting = _fitting(hub, asked)
    rows = _gated(hub, asked, fitting is not None).values_list(
        "person_id", "neighbourhood__name", "person__postcode_district", "person__availability"
    )
    category = asked.referral.category_id
    project = asked.project
    trainings = frozenset([project.pk]) if project is not None and project.training else None
    hopes = []
    for person_id, neighbourhood, postcode, availability in rows:
        fit, shared = (True, set(asked.words)) if fitting is None else fitting[person_id]
        hopes.append(
            matching.Candidate(
                member_id=person_id,
                categories=frozenset([category]) if fit and category is not None else frozenset(),
                words=frozenset(shared),
                area=areas.of(neighbourhood or postcode),
                availability=selectors.availability_bits(availability),
                check_valid_until=asked.today.toordinal() + 1 if asked.needs_check else 0,
                trainings=trainings or frozenset(),
            )
        )
    return hopes


class _Pick(Func):
    """`CASE count WHEN 0 THEN points[0] WHEN 1 THEN ... END`: the count is worked out
    once per row (a searched CASE would repeat it for every WHEN)."""

    output_field = IntegerField()

    def __init__(self, count, points: tuple[int, ...]):
        whens = " ".join(f"WHEN {n} THEN {int(p)}" for n, p in enumerate(points))
        self.template = f"(CASE %(expressions)s {whens} ELSE 0 END)"
        super().__init__(count)


def _flag(condition) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _total(parts: list):
    total = Value(0, output_field=IntegerField())
    for part in parts:
        total = total + part
    return total


def hopes_in_order(asked: Asked, *, hub: Hub, load_cap: int, batch: int = 40):
    """(member id, best possible score) for each member who may pass the gate, most
    hopeful first, read from the database a page at a time: the score is the sum of the
    engine's table (`matching.best_points`) worked out in SQL, so a need that fits
    thousands reads only the first pages."""
    referral = asked.referral
    table = matching.best_points(asked.need(AreaCodes({})))
    fitting = referral.category_id is not None or bool(asked.words)
    members = _gated(hub, asked, fitting)
    parts = [Value(table.rest, output_field=IntegerField())]
    if referral.category_id is not None:
        # Lists worked out once per query (`IN (SELECT ...)`), not a lookup per member.
        offers = _offers_in(hub, referral.category_id)
        fits = Q(person_id__in=offers.values("account__membership__person_id"))
        if asked.category_words:
            words = sorted(_indexed(asked.category_words))
            fits |= Q(
                person_id__in=GiverWord.objects.filter(listing=None, word__in=words).values(
                    "person_id"
                )
            )
        parts.append(_flag(fits) * table.category)
    if asked.words:
        weights: dict[str, int] = defaultdict(int)
        for word in asked.words:
            weights[word[:WORD_LENGTH]] += 1
        offered = Q(listing=None) | Q(
            listing__hub=hub, listing__kind=ListingKind.OFFER, listing__is_active=True
        )
        if set(weights.values()) == {1}:
            # Each word its own: how many a member shares, in one lookup on the
            # member's own words (an index on person), rather than a list per word.
            shared = _count(
                GiverWord.objects.filter(
                    offered, person_id=OuterRef("person_id"), word__in=weights
                ),
                "word",
                template="COUNT(DISTINCT %(expressions)s)",
            )
        else:  # two long words the index keeps as one: each counted as many times
            shared = _total(
                [
                    _flag(
                        Q(
                            person_id__in=GiverWord.objects.filter(offered, word=w).values(
                                "person_id"
                            )
                        )
                    )
                    * weight
                    for w, weight in sorted(weights.items())
                ]
            )
        parts.append(_Pick(shared, table.words))
    area = Case(
        When(neighbourhood__isnull=False, then=F("neighbourhood__name")),
        default=F("person__postcode_district"),
    )
    nearness = []
    if referral.area:
        nearness.append(When(Q(area=referral.area), then=Value(table.same_area)))
    if asked.adjacent:
        nearness.append(When(Q(area__in=sorted(asked.adjacent)), then=Value(table.adjacent_area)))
    if nearness:
        members = members.annotate(area=area)
        parts.append(Case(*nearness, default=Value(0), output_field=IntegerField()))
    slots = sorted(
        {slot for slot in referral.preferred_times or [] if slot in selectors.AVAILABILITY_BIT}
    )
    if slots:
        members = members.annotate(free_text=Cast("person__availability", TextField()))
        free = _total([_flag(Q(free_text__contains=f'"{slot}"')) for slot in slots])
        parts.append(_Pick(free, table.times))
    ordered = members.annotate(best=_total(parts)).order_by("-best", "person_id")
    start, size = 0, batch * 5  # a page costs about the same whatever its length
    while True:
        rows = list(ordered.values_list("person_id", "best")[start : start + size])
        yield from rows
        if len(rows) < size:
            return
        start, size = start + size, size * 2


def ranked_for(referral: Referral, *, load_cap: int, k: int = 10, today=None):
    """The top `k` givers for a referral with their reasons (the engine's Ranked), and
    the area codes they use: the members who may pass the gate are read from the
    database most hopeful first, and only those who could make the top `k` are read, and
    then read in full."""
    today = today or timezone.localdate()
    asked = asked_of(referral, today=today)
    hub = referral.hub
    areas = AreaCodes({})
    need = asked.need(areas)

    category_words = _category_words(hub)

    def fetch(ids: list[int]) -> list[matching.Candidate]:
        return read_in_full(
            hub,
            ids,
            today=today,
            project=asked.project,
            areas=areas,
            category_words=category_words,
        )

    hopes = hopes_in_order(asked, hub=hub, load_cap=load_cap, batch=max(40, k))
    return matching.rank_in_order(hopes, need, fetch, k=k, load_cap=load_cap), areas
