"""Words of a pledge as they read inside a sentence (see pledges/wording.py)."""

from django import template

from coproduce.pledges.wording import mid_sentence

register = template.Library()
register.filter("mid_sentence", mid_sentence)
