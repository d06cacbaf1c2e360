"""Who could give this help? A pure ranking engine: data in, ranked givers out.

Each candidate giver is scored on

- fit: the need's category is one they give, and the words of the need appear in what
  they say they can give;
- nearness: the same area as the need, or an adjacent one;
- time: how many of the need's preferred times they are free;
- load: fewer current commitments first (and nobody at the hub's cap);
- reciprocity: people who have received more hours than they have given are offered
  the chance to give.

Safeguarding and training are gates, not scores: when the need requires a check, a
candidate without a check valid today is never returned, however good their fit; when
the help comes through a project that needs training, nor is a candidate without it.

Scores are whole numbers (points), so the fast column-wise ranking and the plain
reference loop (`rank_naive`) agree exactly, which the tests and the benchmark check.

The pages rank in rounds (`rank_in_rounds`, with candidates.py): `best_possible` for
each member the database finds for a need, then `rank_naive` over the tens read in full.
`Pool` (NumPy, imported only when a Pool is made, so a web worker does not load it) is
for ranking a whole hub held in memory.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

CATEGORY_POINTS = 3000
WORD_POINTS = 2000
SAME_AREA_POINTS = 2000
ADJACENT_AREA_POINTS = 1000
TIME_POINTS = 1500
LOAD_POINTS = 1000
RECIPROCITY_POINTS = 1000
# Below this many hours exchanged, a person's give/receive balance says little.
RECIPROCITY_MIN_MINUTES = 120
NO_AREA = -1

_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = frozenset(
    """a an and or the to of for in on at by with from into some any help helping need
    needs needed someone who would like can could be is are my me they their them it this
    that very""".split()  # noqa: SIM905 (a list literal would fill a page)
)


def words(*texts: str) -> frozenset[str]:
    """The meaningful words of some text, lower case, with a plain 's' plural removed."""
    found = set()
    for text in texts:
        for word in _WORD.findall(text.lower()):
            if word in _STOP_WORDS or len(word) < 3:
                continue
            if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
                word = word[:-1]
            found.add(word)
    return frozenset(found)


@dataclass(frozen=True)
class Candidate:
    member_id: int
    categories: frozenset[int] = frozenset()
    words: frozenset[str] = frozenset()
    area: int = NO_AREA
    availability: int = 0  # a bit for each part of the week they are free
    check_valid_until: int = 0  # date ordinal the check expires on (0: no check)
    trainings: frozenset[int] = frozenset()  # projects whose training they hold, valid today
    load: int = 0  # current commitments
    given_minutes: int = 0
    received_minutes: int = 0


@dataclass(frozen=True)
class Need:
    today: int  # date ordinal
    category: int | None = None
    words: frozenset[str] = frozenset()
    area: int = NO_AREA
    adjacent_areas: frozenset[int] = frozenset()
    availability: int = 0
    needs_check: bool = False
    training: int | None = None  # the project whose training a giver must hold
    exclude: frozenset[int] = frozenset()  # the person helped; people already asked


@dataclass(frozen=True)
class Reason:
    """Why a candidate ranks where it does: `kind`, the points it gave, and its facts."""

    kind: str
    points: int
    detail: tuple = ()


@dataclass(frozen=True)
class Ranked:
    member_id: int
    score: int
    reasons: tuple[Reason, ...] = field(default=())


def passes_gate(candidate: Candidate, need: Need) -> bool:
    checked = not need.needs_check or candidate.check_valid_until > need.today
    return checked and (need.training is None or need.training in candidate.trainings)


def _score(candidate: Candidate, need: Need, load_cap: int) -> Ranked | None:
    """One candidate's score and reasons; None when they must not be offered."""
    if candidate.member_id in need.exclude or not passes_gate(candidate, need):
        return None
    if candidate.load >= load_cap:
        return None
    category_fit = need.category is not None and need.category in candidate.categories
    shared = sorted(need.words & candidate.words)
    if (need.category is not None or need.words) and not (category_fit or shared):
        return None
    reasons = []
    if category_fit:
        reasons.append(Reason("category", CATEGORY_POINTS, (need.category,)))
    if shared:
        reasons.append(Reason("words", WORD_POINTS * len(shared) // len(need.words), tuple(shared)))
    if need.area != NO_AREA and candidate.area == need.area:
        reasons.append(Reason("same_area", SAME_AREA_POINTS, (candidate.area,)))
    elif candidate.area != NO_AREA and candidate.area in need.adjacent_areas:
        reasons.append(Reason("adjacent_area", ADJACENT_AREA_POINTS, (candidate.area,)))
    wanted = need.availability.bit_count()
    free = (candidate.availability & need.availability).bit_count()
    if free:
        reasons.append(
            Reason(
                "times", TIME_POINTS * free // wanted, (candidate.availability & need.availability,)
            )
        )
    reasons.append(
        Reason("load", LOAD_POINTS * (load_cap - candidate.load) // load_cap, (candidate.load,))
    )
    exchanged = candidate.given_minutes + candidate.received_minutes
    if (
        exchanged >= RECIPROCITY_MIN_MINUTES
        and candidate.received_minutes > candidate.given_minutes
    ):
        points = (
            RECIPROCITY_POINTS * (candidate.received_minutes - candidate.given_minutes) // exchanged
        )
        reasons.append(
            Reason("reciprocity", points, (candidate.received_minutes, candidate.given_minutes))
        )
    if need.needs_check:
        reasons.append(Reason("check", 0, (candidate.check_valid_until,)))
    if need.training is not None:
        reasons.append(Reason("trained", 0, (need.training,)))
    return Ranked(candidate.member_id, sum(r.points for r in reasons), tuple(reasons))


def _order(ranked: Iterable[Ranked], loads: dict[int, int], k: int) -> list[Ranked]:
    return sorted(ranked, key=lambda r: (-r.score, loads[r.member_id], r.member_id))[:k]


def rank_naive(
    candidates: Sequence[Candidate], need: Need, *, k: int = 10, load_cap: int = 3
) -> list[Ranked]:
    """The reference: score every candidate in a plain loop."""
    scored = [r for c in candidates if (r := _score(c, need, load_cap)) is not None]
    return _order(scored, {c.member_id: c.load for c in candidates}, k)


@dataclass(frozen=True)
class BestPoints:
    """What each part of a need can give at most, as a table: the database orders members
    by these sums (candidates.py) and `best_possible` adds them the same way, so the two
    cannot disagree about the arithmetic."""

    category: int  # giving the need's category
    words: tuple[int, ...]  # by how many of the need's words they share
    same_area: int
    adjacent_area: int
    times: tuple[int, ...]  # by how many of the need's times they are free
    rest: int  # no commitments, and the most give-and-take points


def best_points(need: Need) -> BestPoints:
    wanted = need.availability.bit_count()
    count = len(need.words)
    return BestPoints(
        category=CATEGORY_POINTS if need.category is not None else 0,
        words=tuple(WORD_POINTS * n // count if n else 0 for n in range(count + 1)),
        same_area=SAME_AREA_POINTS if need.area != NO_AREA else 0,
        adjacent_area=ADJACENT_AREA_POINTS,
        times=tuple(TIME_POINTS * n // wanted if n else 0 for n in range(wanted + 1)),
        rest=LOAD_POINTS + RECIPROCITY_POINTS,
    )


def best_possible(candidate: Candidate, need: Need, load_cap: int) -> int | None:
    """The most `candidate` could score for `need` with no commitments and the most
    give-and-take points, whatever their load and hours really are; None when they fail
    the rest of the gate. With `candidate.categories` and `.words` a superset of what they
    really give, it is at least their real score (the tests check it)."""
    if candidate.member_id in need.exclude or not passes_gate(candidate, need):
        return None
    category_fit = need.category is not None and need.category in candidate.categories
    shared = len(need.words & candidate.words)
    if (need.category is not None or need.words) and not (category_fit or shared):
        return None
    table = best_points(need)
    points = table.category if category_fit else 0
    points += table.words[shared]
    if need.area != NO_AREA and candidate.area == need.area:
        points += table.same_area
    elif candidate.area != NO_AREA and candidate.area in need.adjacent_areas:
        points += table.adjacent_area
    points += table.times[(candidate.availability & need.availability).bit_count()]
    return points + table.rest


def rank_in_order(
    hopes: Iterable[tuple[int, int]],
    need: Need,
    fetch: Callable[[list[int]], Sequence[Candidate]],
    *,
    k: int = 10,
    load_cap: int = 3,
    first: int = 40,
) -> list[Ranked]:
    """`rank_in_rounds` for hopes that come as (member id, best possible score), most
    hopeful first, as the database reads them (summing `best_points`, so each is
    `best_possible` for that member: the tests check it): it stops reading them once `k`
    are ranked and the next hope's best is below the k-th score, so a need reads tens of
    members, not every one who fits. Hopes out of that order are an error."""
    fetched: list[Candidate] = []
    batch: list[int] = []
    floor, size, previous = None, max(first, k), None
    for member_id, best in hopes:
        if previous is not None and best > previous:
            raise ValueError("hopes must come most hopeful first")
        previous = best
        if floor is not None and best < floor:
            break
        batch.append(member_id)
        if len(batch) >= size:
            fetched.extend(fetch(batch))
            batch, size = [], size * 2
            top = rank_naive(fetched, need, k=k, load_cap=load_cap)
            if len(top) == k:
                floor = top[-1].score
    if batch:
        fetched.extend(fetch(batch))
    return rank_naive(fetched, need, k=k, load_cap=load_cap)


def rank_in_rounds(
    hopes: Sequence[Candidate],
    need: Need,
    fetch: Callable[[list[int]], Sequence[Candidate]],
    *,
    k: int = 10,
    load_cap: int = 3,
    first: int = 40,
) -> list[Ranked]:
    """`rank_naive` over `fetch(every id in hopes)`, fetching only the candidates who could
    still make the top `k`. `hopes` holds each candidate at their best (`best_possible`);
    `fetch(ids)` gives them as they are. The most hopeful are fetched first; once `k` are
    ranked, the k-th score is a floor, and only those whose best reaches it are fetched
    too: nobody left out could have scored as high."""
    best = {}
    for hope in hopes:
        points = best_possible(hope, need, load_cap)
        if points is not None:
            best[hope.member_id] = points
    order = sorted(best, key=lambda member_id: (-best[member_id], member_id))
    fetched: list[Candidate] = []
    start, size = 0, max(first, k)
    while start < len(order):
        fetched.extend(fetch(order[start : start + size]))
        start += size
        top = rank_naive(fetched, need, k=k, load_cap=load_cap)
        if len(top) == k:
            floor = top[-1].score
            more = [member_id for member_id in order[start:] if best[member_id] >= floor]
            if more:
                fetched.extend(fetch(more))
            break
        size *= 2
    return rank_naive(fetched, need, k=k, load_cap=load_cap)


class Pool:
    """Candidates held column-wise, with an index from words and categories to them,
    so that ranking one need touches each candidate a handful of times in NumPy."""

    def __init__(self, candidates: Sequence[Candidate], *, load_cap: int = 3):
        import numpy as np  # here, not at the top: only a Pool needs it

        self.candidates = list(candidates)
        self.load_cap = load_cap
        count = len(self.candidates)
        self.ids = np.fromiter((c.member_id for c in self.candidates), np.int64, count)
        self.area = np.fromiter((c.area for c in self.candidates), np.int64, count)
        self.availability = np.fromiter((c.availability for c in self.candidates), np.int64, count)
        self.check_until = np.fromiter(
            (c.check_valid_until for c in self.candidates), np.int64, count
        )
        self.load = np.fromiter((c.load for c in self.candidates), np.int64, count)
        self.given = np.fromiter((c.given_minutes for c in self.candidates), np.int64, count)
        self.received = np.fromiter((c.received_minutes for c in self.candidates), np.int64, count)
        self.by_word = self._index((c.words for c in self.candidates), count)
        self.by_category = self._index((c.categories for c in self.candidates), count)
        self.by_training = self._index((c.trainings for c in self.candidates), count)
        self.position = {member_id: i for i, member_id in enumerate(self.ids.tolist())}

    @staticmethod
    def _index(keys_per_candidate: Iterable[Iterable], count: int) -> dict:
        import numpy as np

        lists: dict = {}
        for position, keys in enumerate(keys_per_candidate):
            for key in keys:
                lists.setdefault(key, []).append(position)
        return {key: np.array(positions, np.int64) for key, positions in lists.items()}

    def rank(self, need: Need, *, k: int = 10) -> list[Ranked]:
        import numpy as np

        count = len(self.ids)
        if count == 0:
            return []
        allowed = self.load < self.load_cap
        if need.needs_check:
            allowed &= self.check_until > need.today
        if need.training is not None:
            trained = np.zeros(count, bool)
            trained[self.by_training.get(need.training, np.array([], np.int64))] = True
            allowed &= trained
        for member_id in need.exclude:
            if member_id in self.position:
                allowed[self.position[member_id]] = False

        category_fit = np.zeros(count, bool)
        if need.category is not None and need.category in self.by_category:
            category_fit[self.by_category[need.category]] = True
        shared = np.zeros(count, np.int64)
        for word in need.words:
            if word in self.by_word:
                shared[self.by_word[word]] += 1
        if need.category is not None or need.words:
            allowed &= category_fit | (shared > 0)

        chosen = np.flatnonzero(allowed)
        if chosen.size == 0:
            return []
        score = np.where(category_fit[chosen], CATEGORY_POINTS, 0)
        if need.words:
            score += WORD_POINTS * shared[chosen] // len(need.words)
        area = self.area[chosen]
        same = area == need.area if need.area != NO_AREA else np.zeros(chosen.size, bool)
        adjacent = ~same & (area != NO_AREA) & np.isin(area, list(need.adjacent_areas))
        score += np.where(same, SAME_AREA_POINTS, np.where(adjacent, ADJACENT_AREA_POINTS, 0))
        wanted = need.availability.bit_count()
        if wanted:
            free = np.bitwise_count(self.availability[chosen] & need.availability)
            score += TIME_POINTS * free.astype(np.int64) // wanted
        load = self.load[chosen]
        score += LOAD_POINTS * (self.load_cap - load) // self.load_cap
        given, received = self.given[chosen], self.received[chosen]
        exchanged = given + received
        owes = (exchanged >= RECIPROCITY_MIN_MINUTES) & (received > given)
        score += np.where(
            owes, RECIPROCITY_POINTS * (received - given) // np.maximum(exchanged, 1), 0
        )

        if chosen.size > k:
            threshold = np.partition(score, chosen.size - k)[chosen.size - k]
            keep = score >= threshold  # ties at the threshold are settled below
            chosen, score, load = chosen[keep], score[keep], load[keep]
        order = np.lexsort((self.ids[chosen], load, -score))[:k]
        # Reasons are written out for the top few only, by the same rules as the reference.
        return [_score(self.candidates[i], need, self.load_cap) for i in chosen[order].tolist()]
