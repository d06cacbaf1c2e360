"""Reading Polis's open-data export, so existing conversations can be analysed here.

An export directory holds `votes.csv` (a log: timestamp, datetime, comment-id, voter-id,
vote with 1 agree, -1 disagree, 0 pass; the latest vote per voter and comment counts),
`participants-votes.csv` (one row per participant, one column per comment: used when
there is no vote log) and `comments.csv` (comment-id, comment-body, and `moderated`: -1
for a comment the moderators removed, whose votes are left out as Polis does).

Every problem names its file and line. A bad line stops the whole read unless the caller
asks to skip bad lines, in which case each skipped line is reported.
"""

import csv
import datetime
import math
from dataclasses import dataclass, field
from pathlib import Path

from coproduce.errors import ApplicationError

VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
MAX_PROBLEMS_SHOWN = 20


@dataclass
class Export:
    votes: list[tuple[str, str, int]]  # (voter, comment, vote), in the order cast
    comments: dict[str, str]  # comment id -> text (removed comments left out)
    removed: set[str] = field(default_factory=set)
    # When each vote was cast (None when the export does not say), parallel to `votes`.
    times: list[datetime.datetime | None] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # problems with lines left out


def read_export(directory: Path, *, skip_bad_lines: bool = False) -> Export:
    directory = Path(directory)
    if not directory.is_dir():
        raise ApplicationError(f"{directory} is not a directory.")
    problems: list[str] = []
    comments, removed = _read_comments(directory / "comments.csv", problems)
    if (directory / "votes.csv").exists():
        timed = _read_vote_log(directory / "votes.csv", problems)
    elif (directory / "participants-votes.csv").exists():
        timed = _read_participant_votes(directory / "participants-votes.csv", problems)
    else:
        raise ApplicationError(f"{directory} has neither votes.csv nor participants-votes.csv.")
    if problems and not skip_bad_lines:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        raise ApplicationError(
            "Nothing was read: "
            + "; ".join(shown)
            + (f"; and {more} more" if more else "")
            + ". Fix these lines, or pass --skip-bad-lines to leave them out.",
            details={"problems": problems},
        )
    timed = [vote for vote in timed if vote[1] not in removed]
    return Export(
        votes=[(voter, comment, vote) for voter, comment, vote, _ in timed],
        comments=comments,
        removed=removed,
        skipped=problems,
        times=[cast_at for *_, cast_at in timed],
    )


def _rows(path: Path, required: tuple[str, ...]):
    """(line number, row dict) for each line; the header must have `required`."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ApplicationError(f"{path.name}: cannot be read ({error.strerror}).") from None
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [name for name in required if name not in header]
        if missing:
            raise ApplicationError(f"{path.name} line 1: missing the column {', '.join(missing)}.")
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as error:
            raise ApplicationError(
                f"{path.name} line {reader.line_num}: not valid CSV ({error})."
            ) from None


def _read_vote_log(path: Path, problems: list[str]) -> list[tuple]:
    timed = []
    for line, row in _rows(path, VOTE_COLUMNS):
        try:
            timestamp = int(_identifier(row, "timestamp"))
            voter = _identifier(row, "voter-id")
            comment = _identifier(row, "comment-id")
            vote = _vote(row["vote"])
        except ValueError as error:
            problems.append(f"{path.name} line {line}: {error}")
            continue
        timed.append((timestamp, line, voter, comment, vote))
    timed.sort()  # by time cast; ties keep the file's order
    return [
        (voter, comment, vote, datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC))
        for ms, _, voter, comment, vote in timed
    ]


def _read_participant_votes(path: Path, problems: list[str]) -> list[tuple]:
    votes = []
    for line, row in _rows(path, ("participant",)):
        try:
            voter = _identifier(row, "participant")
        except ValueError as error:
            problems.append(f"{path.name} line {line}: {error}")
            continue
        for column, cell in row.items():
            if column is None or not column.strip().isdigit() or cell in ("", None):
                continue  # summary columns (group-id, n-votes, …) and unseen comments
            try:
                votes.append((voter, column.strip(), _vote(cell), None))
            except ValueError as error:
                problems.append(f"{path.name} line {line}, comment {column}: {error}")
    return votes


def _read_comments(path: Path, problems: list[str]) -> tuple[dict[str, str], set[str]]:
    if not path.exists():
        return {}, set()
    comments, removed = {}, set()
    for line, row in _rows(path, ("comment-id", "comment-body")):
        try:
            comment = _identifier(row, "comment-id")
        except ValueError as error:
            problems.append(f"{path.name} line {line}: {error}")
            continue
        if (row.get("moderated") or "").strip() == "-1":
            removed.add(comment)
            continue
        comments[comment] = (row.get("comment-body") or "").strip()
    return comments, removed


def _identifier(row: dict, column: str) -> str:
    value = (row.get(column) or "").strip()
    if not value.isdigit():
        raise ValueError(f"{column} should be a whole number, not {value!r}")
    return value


def _vote(cell: str) -> int:
    value = (cell or "").strip()
    if value not in ("1", "-1", "0", "1.0", "-1.0", "0.0"):
        raise ValueError(f"vote should be 1, -1 or 0, not {value!r}")
    return int(float(value))


def topic(directory: Path) -> str:
    """The conversation's topic from summary.csv, if the export has one."""
    path = Path(directory) / "summary.csv"
    if not path.exists():
        return ""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.reader(handle):
            if len(row) >= 2 and row[0].strip() == "topic":
                return row[1].strip()
    return ""


def as_json(analysis) -> dict:
    """An engine Analysis in the JSON shape `coproduce opinion analyse` writes: ids as
    strings, a group number (or null) per participant.

    - `consensus` (common ground) is in the engine's order: surest first, i.e. by how
      sure the votes make us that every group agrees (the smallest lower bound of the
      groups' agree shares, see evidence.py), and only statements at least five people
      in every group took a side on. `divides` likewise, widest sure gap first.
    - `surely`: per common-ground statement, that figure as a whole percentage rounded
      down: "we are 90% sure that at least N% of each group agrees".
    - `subgroups`: finer groups inside the groups, each with its group, size and what
      sets it apart from the rest of its group; `subgroup_of` gives each participant's.
    - `predicted`: per statement, [share, low, high]: about `share` of all participants
      would agree (those who did not see it predicted from their other votes), 95% sure
      between `low` and `high` (0 to 1, three places)."""
    return {
        "ready": analysis.ready,
        "message": analysis.message,
        "participants": {str(p): g for p, g in analysis.group_of.items()},
        "groups": [
            {
                "id": group.id,
                "size": len(group.members),
                "representative": _representative(group.representative),
            }
            for group in analysis.groups
        ],
        "subgroups": [
            {
                "id": sub.id,
                "group": sub.group,
                "size": len(sub.members),
                "representative": _representative(sub.representative),
            }
            for sub in analysis.subgroups
        ],
        "subgroup_of": {str(p): s for p, s in analysis.subgroup_of.items()},
        "predicted": {
            str(statement): [
                round(float(p.share), 3),
                round(float(p.low), 3),
                round(float(p.high), 3),
            ]
            for statement, p in analysis.predicted.items()
        },
        "consensus": [str(s) for s in analysis.consensus],
        "surely": surely_percent(analysis.surely),
        "divides": [str(s) for s in analysis.divides],
        "map": {str(p): list(xy) for p, xy in analysis.map.items()},
    }


def surely_percent(scores: dict) -> dict:
    """Statement (as a string) -> its common-ground score as a whole percentage, rounded
    down, so the report never claims more than the evidence."""
    return {str(statement): math.floor(100 * score) for statement, score in scores.items()}


def _representative(shares) -> list[dict]:
    return [
        {
            "statement": str(share.statement),
            "direction": share.direction,
            "agree_share": share.agree_share,
            "votes": share.votes,
        }
        for share in shares
    ]
