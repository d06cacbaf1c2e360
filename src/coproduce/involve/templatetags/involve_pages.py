"""`{{ pence|money }}`: an amount in pence as people read it, '£20.00'."""

from django import template

from coproduce.involve.guard import money as _money

register = template.Library()


@register.filter
def money(pence) -> str:
    return _money(int(pence or 0))
