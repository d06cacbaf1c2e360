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
tenth score (`matching.rank_in_order`). The two queries asked for every need (the ordered
hopes, and a round's members) are SQL written here with parameters, because the ORM
took longer to build them than the database took to run them. Nothing is filtered that
the gate would let through, and nobody is left unread who could have made the top ten,
so the ranking is the one over every member: the tests check it, on varied members,
against `rank_naive` over `candidate_pool` (which builds everyone, as the page did
before).

Area and free times are scores, not gates (someone across town is still suggested when
nobody nearer fits), so they do not filter; they only order who is read first.
"""

import datetime
import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Exists,
    Max,
    OuterRef,
    Q,
)
from django.utils import timezone

from coproduce.hubs.models import Hub, Membership, Neighbourhood, Person, SafeguardingCheck
from coproduce.timebank.models import (
    Account,
    Category,
    Exchange,
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
    GiverRow,
    GiverWord,
    MatchOffer,
    OfferStatus,
    Project,
    Referral,
    Slot,
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


def _rows(memberships) -> list[GiverRow]:
    return [
        GiverRow(
            membership_id=pk,
            hub_id=hub_id,
            person_id=person_id,
            is_active=active,
            area=(neighbourhood if neighbourhood_id else postcode) or "",
            times=selectors.availability_bits(availability or []),
        )
        for (
            pk,
            hub_id,
            person_id,
            active,
            neighbourhood_id,
            neighbourhood,
            postcode,
            availability,
        ) in memberships.values_list(
            "pk",
            "hub_id",
            "person_id",
            "is_active",
            "neighbourhood_id",
            "neighbourhood__name",
            "person__postcode_district",
            "person__availability",
        )
    ]


def keep_rows(memberships) -> None:
    """The kept rows (`GiverRow`) of `memberships`, a queryset, again as they are now."""
    rows = _rows(memberships)
    GiverRow.objects.filter(membership_id__in=[row.membership_id for row in rows]).delete()
    GiverRow.objects.bulk_create(rows, batch_size=500)


def index_rebuild(batch: int = 2000) -> int:
    """The whole index again from people and offers, and the kept rows of every
    membership (after a change to `matching.words`, or rows written in bulk without
    `save()`). Returns how many words it holds."""
    GiverRow.objects.all().delete()
    GiverRow.objects.bulk_create(_rows(Membership.objects.all()), batch_size=500)
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


def category_names(hub: Hub) -> dict[int, str]:
    return dict(Category.objects.filter(hub=hub).values_list("pk", "name"))


def _category_words(hub: Hub, names: dict[int, str] | None = None):
    names = category_names(hub) if names is None else names
    return [(pk, matching.words(name)) for pk, name in names.items()]


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


def _in(values) -> str:
    return ", ".join(["%s"] * len(values))


def _json(value):
    # A raw cursor gives JSON as text (Django decodes it for its querysets).
    return json.loads(value) if isinstance(value, str) else value


def _date(value) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _members_sql(hub: Hub, ids: list[int], *, today: datetime.date, project) -> tuple[str, list]:
    """The SQL of `read_in_full`'s first query (the ORM took longer to build it than the
    database to run it): one row a member, each number a subquery on an index."""
    now = timezone.now()
    since = now - datetime.timedelta(days=selectors.RECIPROCITY_DAYS)
    ops = connection.ops
    day = ops.adapt_datefield_value(today)
    t_party, t_account = _table(ExchangeParty), _table(Account)
    exchange = (
        f"FROM {t_party} x JOIN {t_account} xa ON x.account_id = xa.id"
        f" JOIN {_table(Exchange)} e ON x.exchange_id = e.id"
        " WHERE xa.hub_id = %s AND xa.membership_id = m.id AND x.side = %s"
    )
    open_statuses = list(OPEN_REFERRAL_STATUSES)
    confirmed = [ExchangeStatus.CONFIRMED, ops.adapt_datetimefield_value(since)]
    columns = [
        "m.id, m.person_id, p.assets, p.availability, nb.name, p.postcode_district",
        f"(SELECT MAX(c.expires_on) FROM {_table(SafeguardingCheck)} c WHERE c.hub_id = %s"  # noqa: S608
        " AND c.person_id = m.person_id AND c.issued_on <= %s AND c.expires_on > %s)",
        # The three kinds of commitment of `selectors.commitments`.
        f"(SELECT COUNT(*) FROM {_table(MatchOffer)} o JOIN {_table(Referral)} r"  # noqa: S608
        " ON o.referral_id = r.id WHERE r.hub_id = %s AND o.status = %s"
        f" AND r.status IN ({_in(open_statuses)}) AND o.volunteer_id = m.person_id)",
        f"(SELECT COUNT(*) {exchange} AND e.status IN (%s, %s) AND e.listing_id IS NOT NULL)",
        f"(SELECT COUNT(DISTINCT s.project_id) FROM {_table(Assignment)} asg"  # noqa: S608
        f" JOIN {_table(Slot)} s ON asg.slot_id = s.id JOIN {_table(Project)} pr"
        " ON s.project_id = pr.id WHERE asg.person_id = m.person_id AND pr.hub_id = %s"
        " AND s.starts_at >= %s AND asg.status = %s)",
        f"COALESCE((SELECT SUM(x.minutes) {exchange} AND e.status = %s"
        " AND e.confirmed_at >= %s), 0)",
        f"COALESCE((SELECT SUM(x.minutes) {exchange} AND e.status = %s"
        " AND e.confirmed_at >= %s), 0)",
    ]
    # Their open offers, as one JSON list of [category, title] a member (in no order:
    # the engine reads them as sets).
    pair = "json_build_array" if connection.vendor == "postgresql" else "json_array"
    listed = "json_agg" if connection.vendor == "postgresql" else "json_group_array"
    columns.append(
        f"(SELECT {listed}({pair}(l.category_id, l.title)) FROM {_table(Listing)} l"  # noqa: S608
        f" JOIN {t_account} la ON l.account_id = la.id WHERE la.membership_id = m.id"
        " AND l.kind = %s AND l.is_active = %s)"
    )
    params: list = [hub.pk, day, day]
    params += [hub.pk, OfferStatus.ACCEPTED, *open_statuses]
    params += [hub.pk, ExchangeParty.GIVES, ExchangeStatus.PROPOSED, ExchangeStatus.AGREED]
    params += [hub.pk, ops.adapt_datetimefield_value(now), AssignmentStatus.ON_ROTA]
    params += [hub.pk, ExchangeParty.GIVES, *confirmed]
    params += [hub.pk, ExchangeParty.RECEIVES, *confirmed]
    params += [ListingKind.OFFER, True]
    if project is not None and project.training:
        trained, trained_params = access.trained_for(project, on=today).query.sql_with_params()
        columns.append(f"(CASE WHEN m.person_id IN ({trained}) THEN 1 ELSE 0 END)")
        params += list(trained_params)
    sql = (
        f"SELECT {', '.join(columns)} FROM {_table(Membership)} m"  # noqa: S608
        f" JOIN {_table(Person)} p ON m.person_id = p.id"
        f" LEFT JOIN {_table(Neighbourhood)} nb ON m.neighbourhood_id = nb.id"
        f" WHERE m.hub_id = %s AND m.is_active = %s AND m.person_id IN ({_in(ids)})"
    )
    return sql, [*params, hub.pk, True, *ids]


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
    builds them (the tests compare the two), in one query: each member with their area,
    free times, check, commitments, hours given and received, open offers and training
    (as subqueries on indexes, one row a member)."""
    if not ids:
        return []
    training = project is not None and project.training
    sql, params = _members_sql(hub, ids, today=today, project=project)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for row in sorted(rows, key=lambda row: row[1]):
        _membership_id, person_id, assets, availability, neighbourhood, postcode, until = row[:7]
        helping, agreed, on_rota, given, received, listed = row[7:13]
        found.append(
            _candidate(
                person_id,
                assets=_json(assets) or [],
                listings=[(category, title) for category, title in _json(listed) or []],
                area=areas.of(neighbourhood or postcode),
                availability=_json(availability) or [],
                until=_date(until),
                trained=bool(training and row[13]),
                load=helping + agreed + on_rota,
                exchanged=(int(given), int(received)),
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


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _pick(count: str, points: tuple[int, ...]) -> str:
    """`CASE count WHEN 0 THEN points[0] ... END`: the count worked out once per row."""
    whens = " ".join(f"WHEN {n} THEN {int(p)}" for n, p in enumerate(points))
    return f"(CASE {count} {whens} ELSE 0 END)"


def _ordered_sql(asked: Asked, *, hub: Hub) -> tuple[str, list]:
    """The SQL of `hopes_in_order` and its parameters, built by hand once per need (the
    ORM took longer to build it than the database to run it). Each member who may pass
    the gate once, with the sum of `matching.best_points` for them as `best`. When the
    need names a category or words, the query starts from who fits (`fit`: one row a
    person, from the word index and the category's offers, with how many of the need's
    words they may share and whether they may give its category), not from every member,
    so a member is scored by a few comparisons on one row."""
    referral = asked.referral
    table = matching.best_points(asked.need(AreaCodes({})))
    t_member, t_row, t_word = _table(Membership), _table(GiverRow), _table(GiverWord)
    t_listing, t_account = _table(Listing), _table(Account)
    params: list = []
    where = ["m.hub_id = %s", "m.is_active = %s"]
    where_params: list = [hub.pk, True]
    hits: list[str] = []
    weight = "0"
    if asked.words:
        weights: dict[str, int] = defaultdict(int)
        for word in asked.words:
            weights[word[:WORD_LENGTH]] += 1  # two long words the index keeps as one
        wanted = sorted(weights)
        heavy = sorted((w, n) for w, n in weights.items() if n > 1)
        weight = "1"
        if heavy:
            weight = "CASE word " + " ".join("WHEN %s THEN %s" for _ in heavy) + " ELSE 1 END"
            for word, n in heavy:
                params += [word, n]
        marks = ", ".join(["%s"] * len(wanted))
        hits.append(
            f"SELECT DISTINCT gw.person_id AS person_id, gw.word AS word, 0 AS cat FROM {t_word} gw"  # noqa: S608
            f" LEFT JOIN {t_listing} l ON gw.listing_id = l.id WHERE gw.word IN ({marks})"
            " AND (gw.listing_id IS NULL OR (l.hub_id = %s AND l.kind = %s AND l.is_active = %s))"
        )
        hit_params: list = [*wanted, hub.pk, ListingKind.OFFER, True]
    else:
        hit_params = []
    if referral.category_id is not None:
        hits.append(
            f"SELECT gm.person_id AS person_id, '' AS word, 1 AS cat FROM {t_listing} l"  # noqa: S608
            f" JOIN {t_account} a ON l.account_id = a.id"
            f" JOIN {t_member} gm ON a.membership_id = gm.id WHERE l.hub_id = %s"
            " AND l.kind = %s AND l.is_active = %s AND l.category_id = %s"
        )
        hit_params += [hub.pk, ListingKind.OFFER, True, referral.category_id]
        if asked.category_words:
            words = sorted(_indexed(asked.category_words))
            marks = ", ".join(["%s"] * len(words))
            hits.append(
                f"SELECT person_id, '' AS word, 1 AS cat FROM {t_word}"  # noqa: S608
                f" WHERE listing_id IS NULL AND word IN ({marks})"
            )
            hit_params += words
    best = [str(int(table.rest))]
    if asked.words:
        best.append(_pick("fit.n", table.words))
    if referral.category_id is not None:
        best.append(f"(fit.cat * {int(table.category)})")
    if hits:
        # Each (person, word) once from the words' DISTINCT; a category's rows only
        # set `cat`, so they may repeat (UNION ALL: nothing to sort away).
        source = (
            f"(SELECT person_id, SUM(CASE WHEN cat = 0 THEN {weight} ELSE 0 END) AS n,"  # noqa: S608
            f" MAX(cat) AS cat FROM ({' UNION ALL '.join(hits)}) hits GROUP BY person_id) fit"
            # CROSS: SQLite then reads who fits first, and each one's row by index
            # (left to choose, it read every member); PostgreSQL plans it freely.
            f" CROSS JOIN {t_row} m"
        )
        where.append("m.person_id = fit.person_id")
        params += hit_params
    else:
        source = f"{t_row} m"
    select_params: list = []
    area = "m.area"
    nearness = []
    if referral.area:
        nearness.append(f"WHEN {area} = %s THEN {int(table.same_area)}")
        select_params.append(referral.area)
    if asked.adjacent:
        adjacent = sorted(asked.adjacent)
        marks = ", ".join(["%s"] * len(adjacent))
        nearness.append(f"WHEN {area} IN ({marks}) THEN {int(table.adjacent_area)}")
        select_params += adjacent
    if nearness:
        best.append(f"(CASE {' '.join(nearness)} ELSE 0 END)")
    slots = sorted(
        {slot for slot in referral.preferred_times or [] if slot in selectors.AVAILABILITY_BIT}
    )
    if slots:
        # Free times are the kept row's bits (`selectors.availability_bits`).
        bits = [int(selectors.AVAILABILITY_BIT[slot]) for slot in slots]
        free = " + ".join(f"(CASE WHEN (m.times & {bit}) <> 0 THEN 1 ELSE 0 END)" for bit in bits)
        best.append(_pick(f"({free})", table.times))
    if asked.exclude:
        where.append(f"m.person_id NOT IN ({', '.join(['%s'] * len(asked.exclude))})")
        where_params += sorted(asked.exclude)
    if asked.needs_check:
        today = connection.ops.adapt_datefield_value(asked.today)
        where.append(
            f"EXISTS (SELECT 1 FROM {_table(SafeguardingCheck)} s WHERE s.hub_id = %s"  # noqa: S608
            " AND s.person_id = m.person_id AND s.issued_on <= %s AND s.expires_on > %s)"
        )
        where_params += [hub.pk, today, today]
    project = asked.project
    if project is not None and project.training:
        trained, trained_params = access.trained_for(
            project, on=asked.today
        ).query.sql_with_params()
        where.append(f"m.person_id IN ({trained})")
        where_params += list(trained_params)
    sql = (
        f"SELECT m.person_id, {' + '.join(best)} AS best FROM {source}"  # noqa: S608
        f" WHERE {' AND '.join(where)} ORDER BY best DESC, m.person_id LIMIT %s OFFSET %s"
    )
    # In the order they appear: the scores' (area, times), the fit's, then the filters'.
    return sql, select_params + params + where_params


def hopes_in_order(asked: Asked, *, hub: Hub, load_cap: int, batch: int = 40):
    """(member id, best possible score) for each member who may pass the gate, most
    hopeful first, read from the database a page at a time: the score is the sum of the
    engine's table (`matching.best_points`) worked out in SQL, so a need that fits
    thousands reads only the first pages."""
    sql, params = _ordered_sql(asked, hub=hub)
    start, size = 0, batch * 5  # a page costs about the same whatever its length
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, size, start])
            rows = cursor.fetchall()
        yield from rows
        if len(rows) < size:
            return
        start, size = start + size, size * 2


def ranked_for(referral: Referral, *, load_cap: int, k: int = 10, today=None, categories=None):
    """The top `k` givers for a referral with their reasons (the engine's Ranked), and
    the area codes they use: the members who may pass the gate are read from the
    database most hopeful first, and only those who could make the top `k` are read, and
    then read in full. `categories`: the hub's (`category_names`), if read already."""
    today = today or timezone.localdate()
    asked = asked_of(referral, today=today)
    hub = referral.hub
    areas = AreaCodes({})
    need = asked.need(areas)

    category_words = _category_words(hub, categories)

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
