"""Reading and writing pabulib's `.pb` files of approval ballots (pure: no Django).

A `.pb` file has three sections, each a heading line then semicolon-separated rows with
a header: META (key;value: `budget`, `vote_type`, `num_projects`, `num_votes`, and
anything else), PROJECTS (`project_id;cost;…`, often `name` and `votes`) and VOTES
(`voter_id;vote;…`, `vote` a comma-separated list of the project ids approved). Only
approval ballots are read; budgets and costs are whole units of the resource.

Every problem names its line, and a file with any problem is refused whole.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from coproduce.errors import ApplicationError
from coproduce.involve.allocation import Election

SECTIONS = ("META", "PROJECTS", "VOTES")
MAX_PROBLEMS_SHOWN = 10


class PabulibError(ApplicationError):
    pass


@dataclass
class PbFile:
    meta: dict[str, str]
    budget: int
    projects: dict[str, dict[str, str]]  # project id -> its row (cost, name, …)
    costs: dict[str, int]
    votes: list[tuple[str, frozenset[str], dict[str, str]]] = field(default_factory=list)

    def election(self, *, seed: str = "", weights=None) -> Election:
        return Election(
            budget=self.budget,
            costs=self.costs,
            ballots=[ballot for _, ballot, _ in self.votes],
            weights=weights,
            seed=seed or self.meta.get("seed") or self.meta.get("description", ""),
        )


def _whole(text: str, what: str, line: int, problems: list[str]) -> int | None:
    try:
        number = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        problems.append(f"line {line}: the {what} {text!r} is not a number")
        return None
    if number != number.to_integral_value() or number < 0:
        problems.append(f"line {line}: the {what} {text!r} must be a whole number, 0 or more")
        return None
    return int(number)


def read(text: str) -> PbFile:
    """Parse a `.pb` file, or raise PabulibError naming each line at fault."""
    problems: list[str] = []
    if not text.lstrip("\ufeff").strip():
        _refuse(["line 1: the file is empty"])
    rows: dict[str, list[tuple[int, list[str]]]] = {name: [] for name in SECTIONS}
    headings: dict[str, int] = {}
    section, number = None, 0
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        heading = line.strip().upper()
        if heading in SECTIONS:
            section = heading
            headings.setdefault(heading, number)
            continue
        if section is None:
            problems.append(f"line {number}: expected the META heading, found {line[:40]!r}")
            break
        rows[section].append((number, next(csv.reader([line], delimiter=";"))))
    for name in SECTIONS:
        if problems:
            break
        if name not in headings:
            problems.append(f"line {number}: the file ends with no {name} section")
        elif not rows[name]:
            problems.append(f"line {headings[name]}: the {name} section is empty")
    if problems:
        _refuse(problems)

    meta = {}
    for number, cells in rows["META"][1:]:
        if len(cells) < 2:
            problems.append(f"line {number}: a META row needs a key and a value")
            continue
        meta[cells[0].strip()] = cells[1].strip()
    meta_line = rows["META"][0][0]
    lines = {cells[0].strip(): n for n, cells in rows["META"][1:] if cells}
    vote_type = meta.get("vote_type", "approval").lower()
    if vote_type != "approval":
        problems.append(
            f"line {lines['vote_type']}: vote_type is {vote_type!r}; "
            "only approval ballots can be read"
        )
    budget = None
    if "budget" not in meta:
        problems.append(f"line {meta_line}: META has no budget")
    else:
        budget = _whole(meta["budget"], "budget", lines["budget"], problems)

    projects, costs = _read_projects(rows["PROJECTS"], problems)
    votes = _read_votes(rows["VOTES"], costs, problems)
    if problems:
        _refuse(problems)
    return PbFile(meta=meta, budget=budget, projects=projects, costs=costs, votes=votes)


def _header(rows, required: tuple[str, ...], problems) -> list[str] | None:
    number, header = rows[0]
    header = [cell.strip() for cell in header]
    missing = [name for name in required if name not in header]
    if missing:
        problems.append(f"line {number}: the header has no {missing[0]} column")
        return None
    return header


def _read_projects(rows, problems):
    projects, costs = {}, {}
    header = _header(rows, ("project_id", "cost"), problems)
    if header is None:
        return projects, costs
    for number, cells in rows[1:]:
        row = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        project = row.get("project_id", "")
        if not project:
            problems.append(f"line {number}: the project has no id")
            continue
        if project in projects:
            problems.append(f"line {number}: project {project} is listed twice")
            continue
        cost = _whole(row.get("cost", ""), "cost", number, problems)
        if cost == 0:
            problems.append(f"line {number}: project {project} must cost more than 0")
        projects[project] = row
        if cost:
            costs[project] = cost
    return projects, costs


def _read_votes(rows, costs, problems):
    votes, seen = [], set()
    header = _header(rows, ("voter_id", "vote"), problems)
    if header is None:
        return votes
    for number, cells in rows[1:]:
        row = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        voter = row.get("voter_id", "")
        if not voter or voter in seen:
            problems.append(
                f"line {number}: voter {voter} voted twice"
                if voter
                else f"line {number}: no voter id"
            )
            continue
        seen.add(voter)
        chosen = [p.strip() for p in re.split(r",", row.get("vote", "")) if p.strip()]
        unknown = [p for p in chosen if p not in costs]
        if unknown:
            problems.append(f"line {number}: voter {voter} approves unknown project {unknown[0]}")
            continue
        if len(set(chosen)) != len(chosen):
            problems.append(f"line {number}: voter {voter} approves a project twice")
            continue
        extra = {k: v for k, v in row.items() if k not in ("voter_id", "vote")}
        votes.append((voter, frozenset(chosen), extra))
    return votes


def _refuse(problems: list[str]):
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    raise PabulibError(
        "This is not a file that can be counted: "
        + "; ".join(shown)
        + (f"; and {more} more" if more else "")
        + ".",
        field="file",
        details={"problems": problems},
    )


class _Rows:
    """Semicolon-separated rows, quoted as csv.reader reads them back. Not a spreadsheet
    export (coproduce.csv_export): the values are written exactly, so a count read back
    is the count written."""

    def __init__(self, out):
        self.out = out

    def writerow(self, cells) -> None:
        self.out.write(";".join(_quoted(str(cell)) for cell in cells) + "\n")


def _quoted(cell: str) -> str:
    if any(mark in cell for mark in ';"\r\n') or cell != cell.strip():
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _one_line(value) -> str:
    return re.sub(r"[\r\n]+", " ", str(value))


def write(
    meta: dict[str, str],
    projects: list[dict[str, str]],
    votes: list[tuple[str, list[str], dict[str, str]]],
) -> str:
    """A `.pb` file: `projects` rows need project_id and cost; votes are (voter id,
    project ids approved, other columns)."""
    out = io.StringIO()
    writer = _Rows(out)
    meta = {"vote_type": "approval", **meta}
    meta.setdefault("num_projects", str(len(projects)))
    meta.setdefault("num_votes", str(len(votes)))
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, _one_line(value)])
    out.write("PROJECTS\n")
    others = {key for row in projects for key in row} - {"project_id", "cost"}
    columns = ["project_id", "cost", *sorted(others)]
    writer.writerow(columns)
    for row in projects:
        writer.writerow([_one_line(row.get(column, "")) for column in columns])
    out.write("VOTES\n")
    extra = sorted({key for _, _, other in votes for key in other})
    writer.writerow(["voter_id", "vote", *extra])
    for voter, chosen, other in votes:
        writer.writerow([voter, ",".join(chosen), *(_one_line(other.get(k, "")) for k in extra)])
    return out.getvalue()
