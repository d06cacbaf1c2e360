from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


# Below this many decided votes a share says "too few votes": one person is not "100%".
MIN_VOTES_FOR_A_SHARE = 5
NO_VOTES_CELL = "\u2013"  # an en dash


@register.filter
def agree_share(share, votes) -> str:
    """'75% agree (9 of 12)', 'too few votes (2)' or 'no votes'."""
    if share is None or not votes:
        return "no votes"
    if votes < MIN_VOTES_FOR_A_SHARE:
        return f"too few votes ({votes})"
    return f"{round(share * 100)}% agree ({round(share * votes)} of {votes})"


@register.filter
def agree_cell(share, votes) -> str:
    """The same for a table cell: '75% of 12', 'too few (2)' or a dash."""
    if share is None or not votes:
        return NO_VOTES_CELL
    if votes < MIN_VOTES_FOR_A_SHARE:
        return f"too few ({votes})"
    return f"{round(share * 100)}% of {votes}"


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
