"""`{% load erase_tags %}`: whether a member's page shows the links to erase them and to
download their data (the rules are insight.access.may_request_erasure and may_download_for)."""

from django import template

from coproduce.insight import access

register = template.Library()


@register.filter
def may_request_erasure(viewer, person) -> bool:
    return access.may_request_erasure(viewer, person)


@register.filter
def may_download_for(viewer, person) -> bool:
    return access.may_download_for(viewer, person)
