"""Pages for hubs and people. Views parse, call a service, render."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from coproduce import audit
from coproduce.errors import ApplicationError
from coproduce.views import render_form, say_saved, submit

from . import access, panels, selectors, services
from .audit_export import filter_params
from .forms import (
    ASSISTED_ADDRESS_HINT,
    AssistedPersonForm,
    AuditFilterForm,
    CheckForm,
    CheckRemoveForm,
    ConsentForm,
    DecisionForm,
    DirectorySearchForm,
    InvitationForm,
    InvitationSignUpForm,
    JoinRequestForm,
    MembershipAreaForm,
    NeighbourhoodForm,
    OrganisationForm,
    PasswordResetRequestForm,
    ProfileForm,
    ProfileWithEmailForm,
    RoleForm,
    SignInForm,
    SignUpForm,
)
from .models import Hub, JoinRequest, JoinRequestStatus, Role, SafeguardingCheck
from .pickers import FIND

PROFILE_FORM_FIELDS = list(ProfileForm.base_fields)


def _hub(slug: str) -> Hub:
    return get_object_or_404(Hub, slug=slug)


def _profile_initial(person) -> dict:
    return {field: getattr(person, field) for field in [*PROFILE_FORM_FIELDS, "email"]}


# --- home -------------------------------------------------------------------------------


def home(request):
    if not request.user.is_authenticated:
        return render(request, "web/landing.html", {"hubs": Hub.objects.all()})
    memberships = list(selectors.memberships_of(request.user))
    joined = {m.hub_id for m in memberships}
    return render(
        request,
        "web/home.html",
        {"memberships": memberships, "other_hubs": Hub.objects.exclude(pk__in=joined)},
    )


# --- accounts and my profile ------------------------------------------------------------


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)

    def register(data):
        try:
            return services.person_register(**data)
        except services.AccountExists:
            # Not a dead end: the account's owner gets a link to sign in (or to choose a
            # first password, if a coordinator set the account up).
            services.password_link_request(email=data["email"])
            return "exists"

    person = submit(request, form, register)
    if person == "exists":
        messages.info(
            request,
            f"There is already an account with {form.cleaned_data['email']}. We have "
            "emailed it a link to choose a password and sign in.",
        )
        return redirect("password_reset_done")
    if person:
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Your account is ready. Now join a hub.")
        return redirect("home")
    return render_form(
        request,
        form,
        title="Create an account",
        submit_label="Create account",
        intro="You need an account to join a hub. If a coordinator has invited you, use "
        "the link in their email instead.",
    )


class SignInView(auth_views.LoginView):
    """Django's sign-in page, answering a refused sign-in with 400, or 429 while signing
    in is paused after too many failures (hubs.throttle)."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        throttled = any(e.code == "throttled" for e in form.non_field_errors().as_data())
        response.status_code = 429 if throttled else 400
        return response


def password_reset(request):
    """ "Forgotten your password?": a link for any account with this address, including
    one that never had a password. The next page says the same whether or not it has."""
    if request.user.is_authenticated and request.method == "GET":
        form = PasswordResetRequestForm(initial={"email": request.user.email})
    else:
        form = PasswordResetRequestForm(request.POST or None)
    if submit(request, form, lambda data: services.password_link_request(email=data["email"])):
        return redirect("password_reset_done")
    return render_form(
        request,
        form,
        title="Choose a new password",
        submit_label="Email me a link",
        intro="Forgotten your password, or never had one? Enter the email address your "
        "account uses and we will email you a link to choose a password.",
        cancel_url=reverse("login"),
    )


@login_required
def my_profile(request):
    return render(
        request,
        "hubs/my_profile.html",
        {
            "person": request.user,
            "memberships": selectors.memberships_of(request.user),
        },
    )


@login_required
def my_profile_edit(request):
    form = ProfileForm(request.POST or None, initial=_profile_initial(request.user))
    if submit(
        request,
        form,
        lambda data: services.profile_update(
            actor=request.user,
            person=request.user,
            changes=data,
        ),
    ):
        messages.success(request, "Your profile has been saved.")
        return redirect("my-profile")
    return render_form(
        request,
        form,
        title="Edit your profile",
        submit_label="Save profile",
        cancel_url=reverse("my-profile"),
    )


# --- hub pages --------------------------------------------------------------------------


def hub_home(request, slug):
    hub = _hub(slug)
    membership = access.membership_of(request.user, hub)
    context = {"hub": hub, "membership": membership, "organisations": hub.organisations.all()}
    if request.user.is_authenticated and not membership:
        context["pending_request"] = JoinRequest.objects.filter(
            hub=hub, person=request.user, status=JoinRequestStatus.PENDING
        ).exists()
    if membership and membership.can_coordinate:
        context["pending_count"] = selectors.pending_join_requests(hub).count()
    if membership:
        context.update(panels.hub_home_context(request.user, hub, membership))
    return render(request, "hubs/hub_home.html", context)


@login_required
def hub_join(request, slug):
    hub = _hub(slug)
    form = JoinRequestForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: services.join_request_create(
            person=request.user,
            hub=hub,
            message=data["message"],
        ),
    ):
        messages.success(request, "Thank you. A coordinator will look at your request soon.")
        return redirect("hub-home", slug=hub.slug)
    return render_form(
        request,
        form,
        title=f"Ask to join {hub.name}",
        submit_label="Send my request",
        intro=hub.purpose,
        cancel_url=reverse("hub-home", args=[hub.slug]),
    )


@login_required
def hub_area(request, slug):
    hub = _hub(slug)
    membership = access.require_member(request.user, hub)
    form = MembershipAreaForm(
        request.POST or None,
        hub=hub,
        initial={
            "neighbourhood": membership.neighbourhood,
            "listed_in_directory": membership.listed_in_directory,
        },
    )
    if submit(
        request,
        form,
        lambda data: services.membership_update(
            actor=request.user,
            membership=membership,
            changes=data,
        ),
    ):
        messages.success(request, "Saved.")
        return redirect("hub-home", slug=hub.slug)
    return render_form(
        request,
        form,
        title=f"Your area in {hub.name}",
        submit_label="Save",
        cancel_url=reverse("hub-home", args=[slug]),
    )


@login_required
def hub_leave(request, slug):
    hub = _hub(slug)
    membership = access.require_member(request.user, hub)
    form = DecisionForm(request.POST or None)
    form.fields["note"].label = "Would you like to tell us why?"
    if submit(
        request,
        form,
        lambda data: services.membership_end(
            actor=request.user,
            membership=membership,
            reason=data["note"],
        ),
    ):
        messages.success(request, f"You have left {hub.name}.")
        return redirect("home")
    return render_form(
        request,
        form,
        title=f"Leave {hub.name}",
        submit_label="Leave the hub",
        intro="Your past activity stays in the hub's records.",
        cancel_url=reverse("hub-home", args=[slug]),
    )


@login_required
def directory(request, slug):
    hub = _hub(slug)
    membership = access.require_member(request.user, hub)
    search = DirectorySearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    members = selectors.hub_directory(
        hub, query, include_unlisted=access.sees_unlisted_members(membership)
    )
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    template = (
        "hubs/_directory_results.html"
        if request.headers.get("HX-Request") == "true"
        else "hubs/directory.html"
    )
    return render(request, template, {"hub": hub, "search": search, "query": query, "page": page})


@login_required
def member_detail(request, slug, person_id):
    hub = _hub(slug)
    viewer = access.require_member(request.user, hub)
    membership, rights = access.member_for(viewer, person_id)
    person = membership.person
    context = {
        "hub": hub,
        "viewer": viewer,
        "rights": rights,
        "membership": membership,
        "person": person,
        "private": rights.see_private,
        "erased_on": selectors.erased_on(hub, person) if rights.erased else None,
    }
    if rights.manage:
        context.update(
            checks=person.checks.filter(hub=hub),
            consents=person.consents.filter(hub=hub).select_related("recorded_by"),
            history=audit.describe(selectors.person_audit_log(hub, person, 20)),
        )
    return render(request, "hubs/member_detail.html", context)


# --- coordinator area ---------------------------------------------------------------------


ASSISTED_SHOWN = 30


@login_required
def coordinate(request, slug):
    hub = _hub(slug)
    membership = access.require_coordinator(request.user, hub)
    return render(
        request,
        "hubs/coordinate.html",
        {
            "hub": hub,
            "membership": membership,
            "join_requests": selectors.pending_join_requests(hub),
            "invitations": hub.invitations.filter(accepted_at__isnull=True).select_related(
                "invited_by"
            )[:20],
            "assisted": Paginator(selectors.members_not_online(hub), ASSISTED_SHOWN).get_page(1),
            "neighbourhoods": hub.neighbourhoods.all(),
            "organisations": hub.organisations.all(),
        },
    )


def _assignable_roles(membership) -> list[str]:
    return [role for role in Role.values if access.can_assign_role(membership, role)]


@login_required
def invite(request, slug):
    hub = _hub(slug)
    membership = access.require_coordinator(request.user, hub)
    form = InvitationForm(request.POST or None, roles=_assignable_roles(membership))
    if submit(
        request,
        form,
        lambda data: services.invitation_create(
            actor=request.user,
            hub=hub,
            **data,
        ),
    ):
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect("coordinate", slug=slug)
    return render_form(
        request,
        form,
        title="Invite someone",
        submit_label="Send invitation",
        intro="They will get an email with a link to join. The link works for 14 days.",
        cancel_url=reverse("coordinate", args=[slug]),
    )


@login_required
def assisted_create(request, slug):
    hub = _hub(slug)
    access.require_coordinator(request.user, hub)
    form = AssistedPersonForm(request.POST or None)
    person = submit(
        request,
        form,
        lambda data: services.person_create_assisted(
            actor=request.user,
            hub=hub,
            **{**data, "key": data["key"] or None},
        ),
    )
    if person:
        say_saved(request, person, f"{person} is now a member. You can record things for them.")
        return redirect("member-detail", slug=slug, person_id=person.pk)
    return render_form(
        request,
        form,
        title="Add someone who is not online",
        submit_label="Add member",
        intro="For people who would rather not use a computer or phone. They will not "
        "have a sign-in. Everything you record is kept as entered by you on their behalf.",
        cancel_url=reverse("coordinate", args=[slug]),
    )


@login_required
def member_edit(request, slug, person_id):
    hub = _hub(slug)
    person = access.member_to_change(request.user, hub, person_id)[1].person
    form_class = ProfileWithEmailForm if person.is_assisted_digital else ProfileForm
    form = form_class(request.POST or None, initial=_profile_initial(person))
    form.fields["postal_address"].help_text = ASSISTED_ADDRESS_HINT
    if submit(
        request,
        form,
        lambda data: services.profile_update(
            actor=request.user,
            person=person,
            hub=hub,
            changes={k: v for k, v in data.items() if k != "email" or v},
        ),
    ):
        messages.success(request, f"{person}'s profile has been saved.")
        return redirect("member-detail", slug=slug, person_id=person.pk)
    return render_form(
        request,
        form,
        title=f"Edit {person}'s profile",
        submit_label="Save profile",
        intro=f"Changes are recorded as entered by you for {person}.",
        cancel_url=reverse("member-detail", args=[slug, person.pk]),
    )


@login_required
@require_POST
def member_password_invite(request, slug, person_id):
    hub = _hub(slug)
    person = access.member_to_change(request.user, hub, person_id)[1].person
    try:
        services.password_invitation_send(actor=request.user, hub=hub, person=person)
    except ApplicationError as error:
        messages.error(request, error.for_people)
    else:
        messages.success(
            request,
            f"We have emailed {person} at {person.email} a link to choose a password. "
            "It works for one day.",
        )
    return redirect("member-detail", slug=slug, person_id=person.pk)


@login_required
def member_role(request, slug, person_id):
    hub = _hub(slug)
    actor, membership = access.member_to_change(request.user, hub, person_id)
    roles = _assignable_roles(actor)
    if membership.role not in roles:
        raise PermissionDenied("Only a hub admin can change an admin's role.")
    form = RoleForm(request.POST or None, roles=roles, initial={"role": membership.role})
    if submit(
        request,
        form,
        lambda data: services.membership_change_role(
            actor=request.user,
            membership=membership,
            role=data["role"],
        ),
    ):
        messages.success(request, f"{membership.person}'s role has been changed.")
        return redirect("member-detail", slug=slug, person_id=person_id)
    return render_form(
        request,
        form,
        title=f"Change {membership.person}'s role",
        submit_label="Save role",
        cancel_url=reverse("member-detail", args=[slug, person_id]),
    )


@login_required
def member_remove(request, slug, person_id):
    hub = _hub(slug)
    membership = access.member_to_change(request.user, hub, person_id)[1]
    form = DecisionForm(request.POST or None)
    form.fields["note"].label = "Reason (kept in the audit log)"
    if submit(
        request,
        form,
        lambda data: services.membership_end(
            actor=request.user,
            membership=membership,
            reason=data["note"],
        ),
    ):
        messages.success(request, f"{membership.person} has been removed from the hub.")
        return redirect("directory", slug=slug)
    return render_form(
        request,
        form,
        title=f"Remove {membership.person} from {hub.name}",
        submit_label="Remove from hub",
        cancel_url=reverse("member-detail", args=[slug, person_id]),
    )


@login_required
def member_consent(request, slug, person_id):
    hub = _hub(slug)
    person = access.member_to_change(request.user, hub, person_id)[1].person
    form = ConsentForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: services.consent_record(
            actor=request.user,
            hub=hub,
            person=person,
            **data,
        ),
    ):
        messages.success(request, "Consent recorded.")
        return redirect("member-detail", slug=slug, person_id=person_id)
    return render_form(
        request,
        form,
        title=f"Record consent for {person}",
        submit_label="Record consent",
        cancel_url=reverse("member-detail", args=[slug, person_id]),
    )


@login_required
def member_check_add(request, slug, person_id):
    hub = _hub(slug)
    person = access.member_to_change(request.user, hub, person_id)[1].person
    form = CheckForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: services.safeguarding_check_add(
            actor=request.user,
            hub=hub,
            person=person,
            **data,
        ),
    ):
        messages.success(request, "Safeguarding check recorded.")
        return redirect("member-detail", slug=slug, person_id=person_id)
    return render_form(
        request,
        form,
        title=f"Record a safeguarding check for {person}",
        submit_label="Record check",
        intro="Only this hub's coordinators can see checks.",
        cancel_url=reverse("member-detail", args=[slug, person_id]),
    )


@login_required
def member_check_remove(request, slug, person_id, check_id):
    hub = _hub(slug)
    access.member_to_change(request.user, hub, person_id)
    check = get_object_or_404(SafeguardingCheck, pk=check_id, hub=hub, person_id=person_id)
    form = CheckRemoveForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: services.safeguarding_check_remove(
            actor=request.user,
            check=check,
            reason=data["reason"],
        ),
    ):
        messages.success(request, "The check has been removed.")
        return redirect("member-detail", slug=slug, person_id=person_id)
    return render_form(
        request,
        form,
        title=f"Remove {check.get_check_type_display()}",
        submit_label="Remove check",
        cancel_url=reverse("member-detail", args=[slug, person_id]),
    )


@login_required
@require_POST
def join_request_decide(request, slug, request_id, decision):
    hub = _hub(slug)
    access.require_coordinator(request.user, hub)
    join_request = get_object_or_404(JoinRequest, pk=request_id, hub=hub)
    form = DecisionForm(request.POST)
    service = (
        services.join_request_approve if decision == "approve" else services.join_request_decline
    )
    if submit(
        request,
        form,
        lambda data: service(
            actor=request.user,
            join_request=join_request,
            note=data["note"],
        ),
    ):
        verb = "approved" if decision == "approve" else "declined"
        messages.success(request, f"{join_request.person}'s request was {verb}.")
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("coordinate", slug=slug)


@login_required
def organisation_add(request, slug):
    hub = _hub(slug)
    access.require_coordinator(request.user, hub)
    form = OrganisationForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: services.organisation_create(
            actor=request.user,
            hub=hub,
            **data,
        ),
    ):
        messages.success(request, "Organisation added.")
        return redirect("coordinate", slug=slug)
    return render_form(
        request,
        form,
        title="Add an organisation",
        submit_label="Add organisation",
        intro="A GP practice, school, housing office or group that is itself a member of the hub.",
        cancel_url=reverse("coordinate", args=[slug]),
    )


@login_required
def neighbourhood_add(request, slug):
    hub = _hub(slug)
    access.require_coordinator(request.user, hub)
    form = NeighbourhoodForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: services.neighbourhood_create(
            actor=request.user,
            hub=hub,
            **data,
        ),
    ):
        messages.success(request, "Area added.")
        return redirect("coordinate", slug=slug)
    return render_form(
        request,
        form,
        title="Add an area",
        submit_label="Add area",
        cancel_url=reverse("coordinate", args=[slug]),
    )


@login_required
def audit_log(request, slug):
    hub = _hub(slug)
    access.require_coordinator(request.user, hub)
    # A filter form sent by GET: its "Find" (no JavaScript) shows the people who match
    # the words typed *and* the changes the other filters choose, as "Show" does.
    data = request.GET.copy()
    data.pop(FIND, None)
    form = AuditFilterForm(data, hub=hub)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.hub_audit_log(
        hub,
        kind=filters.get("kind") or None,
        person=filters.get("person"),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    if request.GET.get("format") == "csv":
        # A file whose size grows with the hub is prepared by a task (ask on this page).
        return redirect("exports", slug=slug)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    # The pages' links keep the filters shown, not the words typed to find a person
    # (which would bring the matches back on every page).
    kept = filter_params(filters) if filters else {}
    return render(
        request,
        "hubs/audit_log.html",
        {
            "hub": hub,
            "form": form,
            "filtered": any(
                filters.get(name) for name in ("kind", "person", "date_from", "date_to")
            ),
            "page": page,
            "rows": audit.describe(page.object_list),
            "query": urlencode(kept),
            "export": kept,
        },
    )


# --- invitations -----------------------------------------------------------------------


def invitation(request, token):
    try:
        invite_ = services.invitation_for_token(token)
    except ApplicationError as error:
        return render(
            request, "hubs/invitation_invalid.html", {"message": error.message}, status=404
        )
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(token=token, person=request.user)
            except ApplicationError as error:
                messages.error(request, error.for_people)
            else:
                messages.success(request, f"Welcome to {invite_.hub.name}.")
                return redirect("hub-home", slug=invite_.hub.slug)
        return render(request, "hubs/invitation.html", {"invitation": invite_})
    form = InvitationSignUpForm(request.POST or None)
    person = submit(
        request,
        form,
        lambda data: services.invitation_sign_up(
            token=token,
            **data,
        ),
    )
    if person:
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to {invite_.hub.name}.")
        return redirect("hub-home", slug=invite_.hub.slug)
    return render_form(
        request,
        form,
        title=f"Join {invite_.hub.name}",
        submit_label="Create account and join",
        intro=f"{invite_.invited_by} invited {invite_.email} to join as "
        f"{invite_.get_role_display().lower()}. Already have an account with this email? "
        "Sign in first, then open the link again.",
        sign_in_next=request.path,
    )
