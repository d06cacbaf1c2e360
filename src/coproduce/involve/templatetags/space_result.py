"""Your Space delivery in words, for templates: {{ booking|booking_words }}."""

from django import template

from coproduce.involve.space.explain import booking_words as _booking_words

register = template.Library()


@register.filter
def booking_words(booking) -> str:
    return _booking_words(booking)
