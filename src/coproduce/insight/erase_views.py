"""Erasure's pages: "Delete my account", and a coordinator's request to erase someone who
is not online. The rules are in access.py, the work in services/erasure.py."""

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from coproduce.errors import ApplicationError
from coproduce.forms import AccessibleForm

from . import access, retention
from .services import erasure


class DeleteAccountForm(AccessibleForm):
    password = forms.CharField(
        label="Your password",
        help_text="To be sure it is you.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=200,
    )
    confirm = forms.BooleanField(
        label="I understand my account will be erased and this cannot be undone"
    )


class EraseMemberForm(AccessibleForm):
    how = forms.ChoiceField(
        label="How did they ask to be erased?",
        choices=list(erasure.HOW_ASKED.items()),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note",
        help_text="For example the date on the paper form. Kept with the record of the erasure.",
        required=False,
        max_length=150,
    )
    confirm = forms.BooleanField(label="They asked for this, and I understand it cannot be undone")


def _table():
    return {
        "deleted": retention.rules_by(retention.DELETED),
        "pseudonymised": retention.rules_by(retention.PSEUDONYMISED),
        "kept": retention.rules_by(retention.KEPT),
    }


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    person = request.user
    sole_admin = erasure.sole_admin_of(person)
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and sole_admin is None:
        try:
            erasure.account_delete(person=person, password=form.cleaned_data["password"])
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            logout(request)
            return render(request, "insight/erase_done.html", {"title": "Your account was deleted"})
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "sole_admin": sole_admin, "title": "Delete my account", **_table()}
    return render(request, "insight/erase_account.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def member_erase(request, slug, person_id):
    hub = access.hub_for(slug)
    membership = access.require_erasure_request(request.user, hub, person_id)
    person = membership.person
    erased = erasure.is_erased(person)
    refusal = "" if erased else access.erasure_request_refusal(hub, person)
    form = EraseMemberForm(request.POST or None)
    context = {
        "hub": hub,
        "person": person,
        "erased": erased,
        "refusal": refusal,
        "form": form,
        "title": f"Erase {person.display_name}'s records",
        **_table(),
    }
    if request.method == "POST" and not erased and not refusal and form.is_valid():
        try:
            done = erasure.erasure_request(
                actor=request.user,
                hub=hub,
                person=person,
                how=form.cleaned_data["how"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            context.update(done=done, pseudonym=done.pseudonyms[0] if done.pseudonyms else "")
            context["title"] = "Erased"
            return render(request, "insight/erase_member_done.html", context)
    status = 400 if request.method == "POST" and (form.errors or refusal) else 200
    if request.method == "POST" and erased:
        status = 200  # sent again: nothing to do, and the page says so
    return render(request, "insight/erase_member.html", context, status=status)
