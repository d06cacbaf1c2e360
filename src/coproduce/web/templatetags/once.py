"""`{% once_key %}`: the hidden key for a button's form (a form class uses OnceKeyField),
new at each rendering, so the button pressed twice saves once."""

from django import template
from django.utils.html import format_html

from coproduce.forms import new_key

register = template.Library()


@register.simple_tag
def once_key() -> str:
    return format_html('<input type="hidden" name="key" value="{}">', new_key())
