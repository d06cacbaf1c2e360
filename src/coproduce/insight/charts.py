"""Server-drawn bar charts for the insight pages (pure: no Django).

A chart is a list of rows, each with one or two bars drawn as SVG rectangles of a
fixed scale; the template draws them with presentation attributes only (x, y, width,
height, fill), never an inline style, so the Content-Security-Policy holds. The first
bar of a pair is solid and the second striped, and every bar carries its figure in
words beside it, so its meaning never rests on colour. A table beside each chart is the
source: the chart repeats it."""

from dataclasses import dataclass

WIDTH = 340  # the viewBox; the chart scales to the width of the page
LABEL_WIDTH = 90  # room for the row's label on the left
WORDS_WIDTH = 60  # room for the figure in words on the right
CHAR_WIDTH = 6.6  # a generous width of one character at font-size 11, in viewBox units
BAR_HEIGHT = 12
GAP = 4  # between the bars of a pair
ROW_GAP = 10  # between rows


@dataclass(frozen=True)
class Bar:
    y: int
    width: int
    words: str  # the figure as written beside the bar, e.g. "30%"
    striped: bool


@dataclass(frozen=True)
class Row:
    label: str
    text_y: int
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bar_x: int
    words_x: int
    bar_height: int
    rows: list[Row]


def share(part: float | None, whole: float | None) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    if part is None or not whole:
        return None
    return part / whole


def percent(value: float | None) -> str:
    """0.304 -> '30%'; None -> 'not known'."""
    if value is None:
        return "not known"
    return f"{round(value * 100)}%"


def words_room(characters: int) -> int:
    """The width `characters` of text at font-size 11 take, with the gap before them."""
    return int(characters * CHAR_WIDTH + 0.999) + 8


def bars(rows: list[tuple[str, list[tuple[float | None, str]]]]) -> Chart:
    """A chart from rows of (label, [(value, words), ...]) with one or two values each,
    all on one scale (the largest value fills the space). A value of None draws no bar,
    only its words; negative values are drawn as none."""
    values = [v for _, pair in rows for v, _ in pair if v is not None and v > 0]
    largest = max(values, default=0)
    # Room on the right for the longest words ("not known", "12 h 30 min"), so no text
    # runs past the SVG's edge on a narrow screen; the bars take what is left.
    longest = max((len(words) for _, pair in rows for _, words in pair), default=0)
    words_width = min(WIDTH - LABEL_WIDTH - 40, max(WORDS_WIDTH, words_room(longest)))
    space = WIDTH - LABEL_WIDTH - words_width
    drawn, y = [], 0
    for label, pair in rows:
        row_bars = []
        for index, (value, words) in enumerate(pair):
            length = 0
            if value is not None and value > 0 and largest > 0:
                length = max(1, round(space * value / largest))
            row_bars.append(Bar(y=y, width=length, words=words, striped=index == 1))
            y += BAR_HEIGHT + GAP
        text_y = row_bars[0].y + BAR_HEIGHT - 2 if row_bars else y
        drawn.append(Row(label=label, text_y=text_y, bars=row_bars))
        y += ROW_GAP - GAP
    return Chart(
        width=WIDTH,
        height=max(y, 1),
        bar_x=LABEL_WIDTH,
        words_x=WIDTH - words_width + 4,
        bar_height=BAR_HEIGHT,
        rows=drawn,
    )
