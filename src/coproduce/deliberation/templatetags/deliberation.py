from django import template

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
