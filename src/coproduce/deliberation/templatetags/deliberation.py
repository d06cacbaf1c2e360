from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from coproduce.deliberation.rules import MIN_VOTERS

register = template.Library()

# Below this many decided votes a share says "too few votes": one person is not "100%"
# (a result's own `min_voters` may ask more: the report then passes no share).
MIN_VOTES_FOR_A_SHARE = MIN_VOTERS


NO_VOTES_CELL = "\u2013"  # an en dash


@register.filter
def agree_share(share, votes) -> str:
    """'75% agree (9 of 12)', 'too few votes (2)' or 'no votes'. The share comes
    as None when too few people took a side to show one (selectors.py: `min_voters`);
    one person is not "100%"."""
    if not votes:
        return "no votes"
    if share is None or votes < MIN_VOTES_FOR_A_SHARE:
        return f"too few votes ({votes})"
    return f"{round(share * 100)}% agree ({round(share * votes)} of {votes})"


@register.filter
def agree_cell(share, votes) -> str:
    """The same for a table cell: '75% of 12', 'too few (2)' or a dash."""
    if not votes:
        return NO_VOTES_CELL
    if share is None or votes < MIN_VOTES_FOR_A_SHARE:
        return f"too few ({votes})"
    return f"{round(share * 100)}% of {votes}"


def _percent(value) -> int:
    """A share as a whole percentage, never 100% unless it is exactly 1 (99%) nor 0%
    unless it is exactly 0 (1%): "100%" means everyone."""
    value = float(value)
    shown = round(value * 100)
    if shown >= 100 and value < 1:
        return 99
    if shown <= 0 and value > 0:
        return 1
    return shown


def _narrow(low, high) -> bool:
    """The range is under one percentage point: everyone, or nearly, has taken a side."""
    return float(high) - float(low) < 0.01 or _percent(low) == _percent(high)


@register.filter
def predicted_words(predicted) -> str:
    """'About 72% of all participants would agree (between 64% and 80%).', or '83% of
    all participants agree.' when the range is under a point (everyone has voted)."""
    if not predicted:
        return ""
    share, low, high = (float(x) for x in predicted)
    if _narrow(low, high):
        if share == 1:
            return "All participants who took a side agree."
        return f"{_percent(share)}% of all participants agree."
    return (
        f"About {min(_percent(share), 99)}% of all participants would agree "
        f"(between {_percent(low)}% and {_percent(high)}%)."
    )


@register.filter
def predicted_cell(predicted) -> str:
    """'about 72% (64% to 80%)', '83%' when the range is under a point, or a dash."""
    if not predicted:
        return NO_VOTES_CELL
    share, low, high = (float(x) for x in predicted)
    if _narrow(low, high):
        return f"{_percent(share)}%"
    return f"about {min(_percent(share), 99)}% ({_percent(low)}% to {_percent(high)}%)"


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, for dictionaries keyed by a variable."""
    return mapping.get(key)


@register.simple_tag
def map_marks(points) -> str:
    """The map's marks (a square for staff, a circle for everyone else), built here
    rather than in a template loop: a big conversation has thousands of them."""
    marks = []
    for point in points:
        if point["staff"]:
            marks.append(
                format_html(
                    '<rect x="{}" y="{}" width="8" height="8" fill="{}" fill-opacity=".8"/>',
                    int(point["x"]) - 4,
                    int(point["y"]) - 4,
                    point["colour"],
                )
            )
        else:
            marks.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="4" fill="{}" fill-opacity=".8"/>',
                    point["x"],
                    point["y"],
                    point["colour"],
                )
            )
    return mark_safe("".join(marks))  # noqa: S308 (each mark built by format_html)
