"""Reading the official area files and a hub's own CSV: pure, no database."""

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.insight.geography import (
    IOD_DECILE,
    AreaFileError,
    GeographyError,
    SmallArea,
    count_postcodes,
    districts_from,
    read_area_figures,
    read_deprivation,
    read_files,
    weighted_median,
)
from tests.insight.geo_fixtures import DISTRICTS, IOD, ONSPD


def lines(text: str):
    return io.StringIO(text, newline="")


def figures():
    with ONSPD.open(newline="") as postcodes, IOD.open(newline="") as deprivation:
        return read_files(postcodes, deprivation, postcodes_file="ONSPD.csv")


def test_the_made_up_files_give_the_figures_worked_by_hand():
    found = figures()
    assert {d: (a.decile, a.population) for d, a in found.districts.items()} == DISTRICTS
    assert len(found.small_areas) == 12
    assert found.small_areas["E01999012"] == SmallArea(1, 2000)
    assert (found.postcodes, found.terminated, found.outside) == (21, 3, 1)
    assert found.summary() == (
        "12 small areas, 5 districts, 3 terminated postcodes skipped, "
        "1 postcode outside the deprivation file"
    )


def test_no_full_postcode_is_kept():
    counts, _ = count_postcodes(
        lines("pcds,doterm,lsoa11\nMB1 1AA,,E01999001\nMB1 1AB,,E01999001\n"),
        file="ONSPD.csv",
        year="2011",
    )
    assert dict(counts) == {("MB1", "E01999001"): 2}


def test_a_terminated_postcode_is_skipped_and_counted():
    counts, terminated = count_postcodes(
        lines("pcds,doterm,lsoa11\nMB1 1AA,200312,E01999001\nMB1 1AB,,E01999002\n"),
        file="ONSPD.csv",
        year="2011",
    )
    assert dict(counts) == {("MB1", "E01999002"): 1}
    assert terminated == 1


def test_the_small_area_column_follows_the_year_of_the_deprivation_codes():
    text = "pcds,doterm,lsoa11,lsoa21\nMB1 1AA,,E01000011,E01000021\n"
    assert set(count_postcodes(lines(text), file="p", year="2011")[0]) == {("MB1", "E01000011")}
    assert set(count_postcodes(lines(text), file="p", year="2021")[0]) == {("MB1", "E01000021")}
    only_2021 = "pcds,doterm,lsoa21\nMB1 1AA,,E01000021\n"
    assert set(count_postcodes(lines(only_2021), file="p", year="2011")[0]) == {
        ("MB1", "E01000021")
    }


def test_iod2025_headers_are_read():
    text = f"LSOA code (2021),{IOD_DECILE},Total population: mid 2022\nE01000001,3,1500\n"
    areas, year = read_deprivation(lines(text), file="File_7_IoD2025.csv")
    assert (areas, year) == ({"E01000001": SmallArea(3, 1500)}, "2021")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"LSOA code (2011),{IOD_DECILE},Total population: mid 2015 (excluding prisoners)\n"
            "E01000001,0,1500\n",
            "IOD.csv, line 2, column Index of Multiple Deprivation (IMD) Decile (where 1 is "
            "most deprived 10% of LSOAs): a decile is from 1 to 10, not 0.",
        ),
        (
            f"LSOA code (2011),{IOD_DECILE},Total population: mid 2015 (excluding prisoners)\n"
            "E01000001,3,many\n",
            'IOD.csv, line 2, column Total population: mid 2015 (excluding prisoners): "many" '
            "is not a whole number.",
        ),
        (
            f"LSOA code (2011),{IOD_DECILE},Total population: mid 2015 (excluding prisoners)\n"
            "E01000001,3,1500\n\nE01000001,4,1500\n",
            "IOD.csv, line 4, column LSOA code (2011): E01000001 is given twice.",
        ),
        (
            f"LSOA code,{IOD_DECILE},Total population: mid 2015 (excluding prisoners)\n",
            'IOD.csv, line 1: no column "LSOA code (2011)" or "LSOA code (2021)" in the first '
            "line.",
        ),
        ("", "IOD.csv: the file is empty."),
        (
            f"LSOA code (2011),{IOD_DECILE},Total population: mid 2015 (excluding prisoners)\n",
            "IOD.csv: the file has no small areas.",
        ),
        (
            f"LSOA code (2011),{IOD_DECILE},Total population: mid 2015 (excluding prisoners)\n"
            "E01000001,3\n",
            "IOD.csv, line 2: the line has 2 columns; the first line has 3.",
        ),
    ],
)
def test_a_bad_deprivation_file_is_refused_naming_the_line_and_column(text, message):
    with pytest.raises(GeographyError) as refused:
        read_deprivation(lines(text), file="IOD.csv")
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "pcds,doterm,lsoa11\nMB1 1AA,,E01000001\nnonsense,,E01000001\n",
            'ONSPD.csv, line 3, column pcds: "nonsense" is not a postcode.',
        ),
        ("pcd,doterm,lsoa11\n", 'ONSPD.csv, line 1: no column "pcds" in the first line.'),
        ("pcds,lsoa11\n", 'ONSPD.csv, line 1: no column "doterm" in the first line.'),
        (
            "pcds,doterm,oa11\n",
            'ONSPD.csv, line 1: no column "lsoa11" or "lsoa21" in the first line.',
        ),
    ],
)
def test_a_bad_postcode_file_is_refused_naming_the_line_and_column(text, message):
    with pytest.raises(GeographyError) as refused:
        count_postcodes(lines(text), file="ONSPD.csv", year="2011")
    assert str(refused.value) == message


def test_the_postcode_file_is_read_one_line_at_a_time():
    """A file whose later lines are never reached must not be read in full: the reader
    stops at the first bad line, having pulled only the lines before it."""
    pulled = []

    def source():
        yield "pcds,doterm,lsoa11\n"
        for n in range(1000):
            pulled.append(n)
            yield "MB1 1AA,,E01000001\n" if n < 10 else "bad,,E01000001\n"

    with pytest.raises(GeographyError):
        count_postcodes(source(), file="ONSPD.csv", year="2011")
    assert len(pulled) == 11


# --- the weighted median and the districts ---------------------------------------------


def test_the_weighted_median_takes_the_more_deprived_decile_on_an_exact_half():
    assert weighted_median([(2, 50.0), (7, 50.0)]) == 2
    assert weighted_median([(2, 49.0), (7, 51.0)]) == 7
    assert weighted_median([(4, 0.0), (9, 0.0), (9, 0.0)]) == 9


deciles = st.integers(min_value=1, max_value=10)
weights = st.floats(min_value=0.001, max_value=1e6, allow_nan=False)


@given(st.lists(st.tuples(deciles, weights), min_size=1, max_size=40))
def test_the_weighted_median_splits_the_weight_in_half(pairs):
    median = weighted_median(pairs)
    total = sum(w for _, w in pairs)
    below = sum(w for d, w in pairs if d < median)
    at_or_below = sum(w for d, w in pairs if d <= median)
    assert median in {d for d, _ in pairs}
    assert below * 2 < total * (1 + 1e-9)
    assert at_or_below * 2 >= total * (1 - 1e-9)


@given(st.lists(st.tuples(deciles, weights), min_size=1, max_size=40), st.floats(0.01, 100))
def test_the_weighted_median_does_not_change_when_every_weight_is_scaled(pairs, factor):
    scaled = [(d, w * factor) for d, w in pairs]
    total = sum(w for _, w in pairs)
    # Away from an exact half, where rounding could tip either way.
    running, near_half = 0.0, False
    for _, w in sorted(pairs):
        running += w
        near_half |= abs(running * 2 - total) < total * 1e-6
    if not near_half:
        assert weighted_median(scaled) == weighted_median(pairs)


areas = st.dictionaries(
    st.sampled_from([f"E0199900{n}" for n in range(1, 10)]),
    st.builds(SmallArea, deciles, st.integers(min_value=0, max_value=3000)),
    min_size=1,
)


@given(areas, st.data())
def test_the_districts_share_out_every_small_areas_population(small_areas, data):
    codes = sorted(small_areas)
    counts = data.draw(
        st.dictionaries(
            st.tuples(st.sampled_from(["MB1", "MB2", "NF1"]), st.sampled_from(codes)),
            st.integers(min_value=1, max_value=50),
            min_size=1,
        )
    )
    districts, outside = districts_from(counts, small_areas)
    covered = {area for _, area in counts}
    expected = sum(small_areas[a].population for a in covered)
    # Each district's share is rounded to a whole person.
    assert abs(sum(d.population for d in districts.values()) - expected) <= len(districts)
    assert outside == 0
    for district, figures in districts.items():
        mine = {small_areas[a].decile for d, a in counts if d == district}
        assert min(mine) <= figures.decile <= max(mine)


# --- a hub's own CSV ----------------------------------------------------------------------

NAMES = ["Brook Estate", "Hill Top"]


def test_a_hubs_file_is_read_matching_names_without_regard_to_case():
    rows = read_area_figures(
        lines('Area,Decile,Population\nbrook estate,2,"1,450"\n\nHill Top,,\n'), names=NAMES
    )
    assert [(r.name, r.decile, r.population) for r in rows] == [
        ("Brook Estate", 2, 1450),
        ("Hill Top", None, None),
    ]


def test_every_bad_line_of_a_hubs_file_is_named():
    with pytest.raises(AreaFileError) as refused:
        read_area_figures(
            lines(
                "area,decile,population\nBrook Estate,11,100\nMoon Base,2,100\n"
                "Hill Top,2,lots\nbrook estate,3,100\n"
            ),
            names=NAMES,
        )
    assert refused.value.errors == [
        'Line 2: the decile "11" must be a whole number from 1 to 10.',
        'Line 3: "Moon Base" is not one of the hub\'s areas.',
        'Line 4: the population "lots" must be a whole number from 0 to 10,000,000.',
    ]


def test_a_negative_decile_is_asked_for_as_a_number_from_1_to_10():
    with pytest.raises(AreaFileError) as refused:
        read_area_figures(lines("area,decile,population\nHill Top,-1,100\n"), names=NAMES)
    assert refused.value.errors == ['Line 2: the decile "-1" must be a whole number from 1 to 10.']


def test_a_file_separated_by_semicolons_is_read():
    found = read_area_figures(
        lines("area;decile;population\nHill Top;2;1,450\nBrook Estate;;\n"), names=NAMES
    )
    assert [(f.name, f.decile, f.population) for f in found] == [
        ("Hill Top", 2, 1450),
        ("Brook Estate", None, None),
    ]


def test_a_name_given_twice_is_refused():
    with pytest.raises(AreaFileError) as refused:
        read_area_figures(
            lines("area,decile,population\nHill Top,2,100\nhill top,3,100\n"), names=NAMES
        )
    assert refused.value.errors == ['Line 3: "hill top" is given again (first on line 2).']


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "The file is empty."),
        ("area,decile,population\n", "The file has no areas in it, only the first line."),
        (
            "name,decile\nHill Top,2\n",
            "Line 1: the first line must name the columns area, decile, population, "
            "separated by commas (missing: area, population).",
        ),
    ],
)
def test_a_hubs_file_without_its_columns_or_rows_is_refused(text, error):
    with pytest.raises(AreaFileError) as refused:
        read_area_figures(lines(text), names=NAMES)
    assert refused.value.errors == [error]
