"""`{% load erase_tags %}`: whether a member's page shows the link to erase them (the rule
is insight.access.may_request_erasure)."""

from django import template

from coproduce.insight import access

register = template.Library()


@register.filter
def may_request_erasure(viewer, person) -> bool:
    return access.may_request_erasure(viewer, person)
