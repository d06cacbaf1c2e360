"""How a scorecard's figures read on the page: shares with "too few to judge", times to
close in days and hours."""

from django import template

from coproduce.pledges import scorecard

register = template.Library()


@register.filter
def kept_share(tally) -> str:
    """'80% kept (8 of 10)', 'too few to judge (3)' or 'nothing to judge yet'."""
    return scorecard.describe_share(tally)


@register.filter
def kept_cell(tally) -> str:
    """The same for a table cell: '80% (8 of 10)', 'too few to judge (3)' or a dash."""
    if not tally.judged:
        return "\u2013"
    if not tally.enough_to_judge:
        return f"too few to judge ({tally.judged})"
    return f"{round(tally.share_kept * 100)}% ({tally.kept} of {tally.judged})"


@register.filter
def duration(span) -> str:
    return scorecard.describe_duration(span)


@register.filter
def month_count(counts, month):
    """A users' side count for a month, or a dash when nothing was recorded."""
    value = counts.get(month)
    return "\u2013" if value is None else value
