"""Reading the official area files: pure (text in, figures out; no Django).

Two files an operator downloads (docs/insight.md says where):

- The English Indices of Deprivation "File 7" (IoD2019 or IoD2025): one row per small
  area (LSOA) with its deprivation decile and its population. The columns read are the
  LSOA code (`LSOA code (2011)` in IoD2019, `LSOA code (2021)` in IoD2025), the decile
  (`Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)`)
  and the population (`Total population: mid 2015 (excluding prisoners)` in IoD2019,
  `Total population: mid 2022` in IoD2025).
- The ONS Postcode Directory (ONSPD): one row per postcode. The columns read are `pcds`
  (the postcode with its space), `doterm` (the month it was terminated: such rows are
  skipped) and the small area it lies in: `lsoa11` for IoD2019's 2011 codes, `lsoa21`
  for IoD2025's 2021 codes, or whichever of the two the file has.

The postcode file is read one row at a time (the real one has 2.7 million rows); only a
count of live postcodes per (district, small area) is kept, never a postcode.

A postcode district's population is the sum of its small areas' populations, each
shared out by the district's share of that area's live postcodes; its decile is the
population-weighted median of its small areas' deciles (the lower decile, the more
deprived, when the weights split exactly in half).
"""

import csv
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

IOD_CODE = ("LSOA code (2011)", "LSOA code (2021)")
IOD_DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
IOD_POPULATION = ("Total population: mid 2015 (excluding prisoners)", "Total population: mid 2022")
POSTCODE = "pcds"
TERMINATED = "doterm"
# The postcode file's small-area column that matches each year of LSOA codes, first choice first.
SMALL_AREA_FOR = {"2011": ("lsoa11", "lsoa21"), "2021": ("lsoa21", "lsoa11")}

_AREA_CODE = re.compile(r"^[A-Z]\d{8}$")  # E01000001
_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) \d[A-Z]{2}$")  # "MB1 1AA", "SW1A 1AA"
MAX_POPULATION = 10_000_000  # more than any small area or neighbourhood holds


class GeographyError(ValueError):
    """A file that cannot be read: which file, which line, which column, and why."""

    def __init__(self, file: str, message: str, *, line: int | None = None, column: str = ""):
        where = ", ".join(
            part
            for part in (file, f"line {line}" if line else "", f"column {column}" if column else "")
            if part
        )
        super().__init__(f"{where}: {message}")
        self.file, self.line, self.column = file, line, column


@dataclass(frozen=True)
class SmallArea:
    decile: int
    population: int


@dataclass(frozen=True)
class Figures:
    """What the files gave: every small area's and every district's decile and population."""

    small_areas: Mapping[str, SmallArea]
    districts: Mapping[str, SmallArea]
    postcodes: int  # live postcodes read
    terminated: int  # postcodes skipped for a termination date
    outside: int  # live postcodes in no small area of the deprivation file

    def summary(self) -> str:
        return (
            f"{_count(len(self.small_areas), 'small area')}, "
            f"{_count(len(self.districts), 'district')}, "
            f"{_count(self.terminated, 'terminated postcode')} skipped"
            + (
                f", {_count(self.outside, 'postcode')} outside the deprivation file"
                if self.outside
                else ""
            )
        )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _is_blank(row: list[str]) -> bool:
    return all(not cell.strip() for cell in row)


def _header(reader, file: str) -> list[str]:
    for row in reader:
        if not _is_blank(row):
            return [cell.strip() for cell in row]
    raise GeographyError(file, "the file is empty.")


def _column(header: list[str], names: Iterable[str], file: str) -> tuple[int, str]:
    for name in names:
        if name in header:
            return header.index(name), name
    wanted = " or ".join(f'"{name}"' for name in names)
    raise GeographyError(file, f"no column {wanted} in the first line.", line=1)


def read_deprivation(lines: Iterable[str], *, file: str) -> tuple[dict[str, SmallArea], str]:
    """Each small area's decile and population, and the year of its codes ("2011" or
    "2021")."""
    reader = csv.reader(lines)
    header = _header(reader, file)
    code_at, code_name = _column(header, IOD_CODE, file)
    decile_at, decile_name = _column(header, (IOD_DECILE,), file)
    population_at, population_name = _column(header, IOD_POPULATION, file)
    areas: dict[str, SmallArea] = {}
    for row in reader:
        if _is_blank(row):
            continue
        line = reader.line_num
        cells = _cells(row, len(header), file, line)
        code = cells[code_at].strip().upper()
        if not _AREA_CODE.match(code):
            raise GeographyError(
                file, f'"{cells[code_at]}" is not a small-area code.', line=line, column=code_name
            )
        if code in areas:
            raise GeographyError(file, f"{code} is given twice.", line=line, column=code_name)
        decile = _whole_number(cells[decile_at], file, line, decile_name)
        if not 1 <= decile <= 10:
            raise GeographyError(
                file, f"a decile is from 1 to 10, not {decile}.", line=line, column=decile_name
            )
        population = _whole_number(cells[population_at], file, line, population_name)
        if population > MAX_POPULATION:
            raise GeographyError(
                file,
                f"{population:,} is too many people for one small area.",
                line=line,
                column=population_name,
            )
        areas[code] = SmallArea(decile, population)
    if not areas:
        raise GeographyError(file, "the file has no small areas.")
    return areas, code_name[-5:-1]


def _cells(row: list[str], width: int, file: str, line: int) -> list[str]:
    if len(row) < width:
        raise GeographyError(
            file, f"the line has {len(row)} columns; the first line has {width}.", line=line
        )
    return row


def _whole_number(text: str, file: str, line: int, column: str) -> int:
    cleaned = text.strip().replace(",", "")
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise GeographyError(file, f'"{text}" is not a whole number.', line=line, column=column)
    return int(cleaned)


def count_postcodes(
    lines: Iterable[str], *, file: str, year: str
) -> tuple[Counter[tuple[str, str]], int]:
    """Live postcodes per (district, small area), and how many terminated ones were
    skipped. Reads one row at a time and keeps no postcode."""
    reader = csv.reader(lines)
    header = _header(reader, file)
    postcode_at, _ = _column(header, (POSTCODE,), file)
    terminated_at, _ = _column(header, (TERMINATED,), file)
    area_at, _ = _column(header, SMALL_AREA_FOR.get(year, ("lsoa21", "lsoa11")), file)
    counts: Counter[tuple[str, str]] = Counter()
    terminated = 0
    for row in reader:
        if _is_blank(row):
            continue
        line = reader.line_num
        cells = _cells(row, len(header), file, line)
        if cells[terminated_at].strip():
            terminated += 1
            continue
        postcode = " ".join(cells[postcode_at].upper().split())
        found = _POSTCODE.match(postcode)
        if not found:
            raise GeographyError(
                file, f'"{cells[postcode_at]}" is not a postcode.', line=line, column=POSTCODE
            )
        counts[(found[1], cells[area_at].strip().upper())] += 1
    return counts, terminated


def weighted_median(values: Iterable[tuple[int, float]]) -> int:
    """The median of (value, weight) pairs: the smallest value at which the running
    weight reaches half the total. With no weight at all, each pair counts once."""
    pairs = sorted(values)
    if not pairs:
        raise ValueError("no values")
    total = sum(weight for _, weight in pairs)
    if total <= 0:
        pairs, total = [(value, 1.0) for value, _ in pairs], float(len(pairs))
    running = 0.0
    for value, weight in pairs:
        running += weight
        if running * 2 >= total:
            return value
    return pairs[-1][0]  # not reached: the running weight ends at the total


def districts_from(
    counts: Mapping[tuple[str, str], int], small_areas: Mapping[str, SmallArea]
) -> tuple[dict[str, SmallArea], int]:
    """Each district's population and decile from its small areas (see the module's
    docstring), and how many live postcodes lay in no small area of the file."""
    per_area: Counter[str] = Counter()
    for (_, area), n in counts.items():
        per_area[area] += n
    shares: dict[str, list[tuple[int, float]]] = defaultdict(list)
    outside = 0
    for (district, area), n in sorted(counts.items()):
        found = small_areas.get(area)
        if found is None:
            outside += n
            continue
        shares[district].append((found.decile, found.population * n / per_area[area]))
    districts = {
        district: SmallArea(
            weighted_median(pairs), round(sum(population for _, population in pairs))
        )
        for district, pairs in sorted(shares.items())
    }
    return districts, outside


def read_files(
    postcodes: Iterable[str],
    deprivation: Iterable[str],
    *,
    postcodes_file: str = "postcodes",
    deprivation_file: str = "deprivation",
) -> Figures:
    """Both files in, every area's figures out."""
    small_areas, year = read_deprivation(deprivation, file=deprivation_file)
    counts, terminated = count_postcodes(postcodes, file=postcodes_file, year=year)
    districts, outside = districts_from(counts, small_areas)
    return Figures(
        small_areas=small_areas,
        districts=districts,
        postcodes=sum(counts.values()),
        terminated=terminated,
        outside=outside,
    )


# --- a hub's own areas' figures, from a CSV a coordinator uploads ------------------------

AREA_COLUMNS = ("area", "decile", "population")


@dataclass(frozen=True)
class AreaFigures:
    name: str  # as the hub spells it
    decile: int | None
    population: int | None


def read_area_figures(lines: Iterable[str], *, names: Iterable[str]) -> list[AreaFigures]:
    """Rows of `area,decile,population` for the hub's own areas (`names`, matched
    without regard to case). Every error in the file is collected, each naming its
    line, and raised together: a file with any error is refused whole. A blank decile
    or population leaves that figure unknown."""
    known = {name.strip().casefold(): name for name in names}
    lines, delimiter = _with_delimiter(lines)
    reader = csv.reader(lines, delimiter=delimiter)
    errors: list[str] = []
    try:
        header = [cell.strip().lower() for cell in _header(reader, "The file")]
    except GeographyError:
        raise AreaFileError(["The file is empty."]) from None
    missing = [column for column in AREA_COLUMNS if column not in header]
    if missing:
        raise AreaFileError(
            [
                f"Line 1: the first line must name the columns {', '.join(AREA_COLUMNS)}, "
                f"separated by commas (missing: {', '.join(missing)})."
            ]
        )
    at = {column: header.index(column) for column in AREA_COLUMNS}
    found: list[AreaFigures] = []
    seen: dict[str, int] = {}
    for row in reader:
        if _is_blank(row):
            continue
        line = reader.line_num
        cells = row + [""] * (len(header) - len(row))
        name = cells[at["area"]].strip()
        problems = []
        if not name:
            problems.append("the area is missing")
        elif name.casefold() not in known:
            problems.append(f'"{name}" is not one of the hub\'s areas')
        elif name.casefold() in seen:
            problems.append(f'"{name}" is given again (first on line {seen[name.casefold()]})')
        decile = _optional_number(cells[at["decile"]], "decile", problems, 1, 10)
        population = _optional_number(
            cells[at["population"]], "population", problems, 0, MAX_POPULATION
        )
        if problems:
            errors.append(f"Line {line}: " + "; ".join(problems) + ".")
            continue
        seen[name.casefold()] = line
        found.append(AreaFigures(known[name.casefold()], decile, population))
    if errors:
        raise AreaFileError(errors)
    if not found:
        raise AreaFileError(["The file has no areas in it, only the first line."])
    return found


def _with_delimiter(lines: Iterable[str]) -> tuple[Iterable[str], str]:
    """The lines and what separates their columns: commas, or semicolons when the first
    line that is not blank has semicolons and no commas (as Excel saves a CSV where the
    comma is the decimal mark)."""
    lines = iter(lines)
    ahead = []
    for text in lines:
        ahead.append(text)
        if text.strip():
            break
    first = ahead[-1] if ahead else ""
    delimiter = ";" if ";" in first and "," not in first else ","
    return itertools.chain(ahead, lines), delimiter


def _optional_number(text, column, problems, low, high) -> int | None:
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        return None
    if not (cleaned.isascii() and cleaned.isdigit()) or not low <= int(cleaned) <= high:
        problems.append(
            f'the {column} "{text.strip()}" must be a whole number from {low:,} to {high:,}'
        )
        return None
    return int(cleaned)


class AreaFileError(ValueError):
    """Every line of an uploaded file that is wrong, each naming its line."""

    def __init__(self, errors: list[str]):
        super().__init__(" ".join(errors))
        self.errors = errors
