import datetime
import json
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from coproduce.csv_export import csv_response
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub
from coproduce.idempotency import replayed
from coproduce.views import ALREADY_SAVED, posted_key, render_form, say_saved, submit

from . import access, selectors, services
from .forms import (
    ConversationForm,
    FlagForm,
    ModerationForm,
    ModeratorForm,
    PriorityForm,
    RecordResponseForm,
    StatementForm,
    VotesForm,
)
from .models import Conversation, Moderator, Statement, StatementStatus

# What the page says after a vote saved without JavaScript (?saved=1).
SAVED_AS = {"1": "agreed", "-1": "disagreed", "0": "passed"}


def _conversation(slug, conversation_id) -> Conversation:
    return get_object_or_404(
        Conversation.objects.select_related("hub"), pk=conversation_id, hub__slug=slug
    )


def _session_key(conversation) -> str:
    return f"conversation-{conversation.pk}"


def _participant(request, conversation):
    """The visitor's place in the conversation: as a signed-in member, or as someone who
    came by the conversation's link; saved only with their first vote or statement.
    None means they must sign in first."""
    if request.user.is_authenticated:
        return services.participant_of(request.user, conversation)
    came_by_link = request.session.get(_session_key(conversation))
    if came_by_link:
        return services.anonymous_participant_of(
            conversation, came_by_link["token"], came_by_link["key"]
        )
    return None


def _rights(request, conversation) -> access.ConversationRights:
    membership = hub_access.membership_of(request.user, conversation.hub)
    came = request.session.get(_session_key(conversation)) or {}
    came_by_link = (
        not request.user.is_authenticated
        and bool(conversation.link_token)
        and came.get("token") == conversation.link_token
    )
    return access.conversation_rights(membership, conversation, came_by_link=came_by_link)


def _may_read(request, conversation) -> access.ConversationRights:
    rights = _rights(request, conversation)
    if not rights.read:
        if request.user.is_authenticated:
            raise PermissionDenied("Only people taking part can see this conversation.")
        raise PermissionDenied("Sign in to see this conversation.")
    return rights


@login_required
def conversation_list(request, slug):
    hub = get_object_or_404(Hub, slug=slug)
    conversations = selectors.conversations_for(request.user, hub)
    membership = hub_access.membership_of(request.user, hub)
    return render(
        request,
        "deliberation/list.html",
        {
            "hub": hub,
            "conversations": conversations,
            "now": timezone.now(),
            "is_coordinator": membership.can_coordinate,
            "can_moderate": access.is_moderator(membership),
        },
    )


def _start_of(day: datetime.date | None):
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _end_of(day: datetime.date | None):
    return _start_of(day + datetime.timedelta(days=1)) if day else None


@login_required
def conversation_new(request, slug):
    hub = get_object_or_404(Hub, slug=slug)
    hub_access.require_coordinator(request.user, hub)
    form = ConversationForm(request.POST or None)
    conversation = submit(
        request,
        form,
        lambda data: services.conversation_create(
            actor=request.user,
            hub=hub,
            question=data["question"],
            context=data["context"],
            audience=data["audience"],
            anonymous_link=data["anonymous_link"],
            opens_at=_start_of(data["opens_on"]),
            closes_at=_end_of(data["closes_on"]),
            flag_threshold=data["flag_threshold"],
            seeds=[line for line in data["seeds"].splitlines() if line.strip()],
        ),
    )
    if conversation:
        messages.success(request, "The conversation is open.")
        return redirect("conversation", hub.slug, conversation.pk)
    return render_form(
        request,
        form,
        title="Start a conversation",
        intro="Staff and the people they serve add short statements and vote on each "
        "other's. The report shows the common ground and the real divides.",
        submit_label="Open the conversation",
        cancel_url=reverse("conversations", args=[hub.slug]),
    )


def join_by_link(request, token):
    """People without an account take part through a conversation's shared link."""
    conversation = get_object_or_404(Conversation, link_token=token) if token else None
    if conversation is None:
        raise PermissionDenied("This link does not open a conversation.")
    if not request.user.is_authenticated:
        saved = request.session.get(_session_key(conversation)) or {}
        request.session[_session_key(conversation)] = {
            "token": token,
            "key": saved.get("key") or secrets.token_urlsafe(24),
        }
    return redirect("conversation", conversation.hub.slug, conversation.pk)


def conversation_detail(request, slug, conversation_id):
    conversation = _conversation(slug, conversation_id)
    participant = _participant(request, conversation)
    if participant is None:
        return redirect_to_login(request.get_full_path())
    form = StatementForm(request.POST or None)
    added = submit(
        request,
        form,
        lambda data: services.statement_add(
            participant=participant, text=data["text"], key=data["key"] or None
        ),
    )
    if added:
        say_saved(request, added, "Thank you. Your statement is in: others can now vote on it.")
        return redirect("conversation", slug, conversation.pk)
    return _page(request, conversation, participant, form)


def _page(request, conversation, participant, form, *, statement=None, error=""):
    """The conversation's page; with an `error`, the vote card shows it with the same
    `statement` again (the page opens at the card, so the person sees why)."""
    card = services.voting_card(participant)
    return render(
        request,
        "deliberation/conversation.html",
        {
            "hub": conversation.hub,
            "conversation": conversation,
            "participant": participant,
            "statement": statement or card.statement,
            "voted_count": card.voted_count,
            "first_visit": not card.voted_count,
            # Without JavaScript the page reloads after a vote: say it was saved.
            "saved": "" if error else SAVED_AS.get(request.GET.get("saved", "")),
            "error": error,
            "form": form,
            "is_open": conversation.is_open(),
            "is_coordinator": _rights(request, conversation).coordinate,
        },
        status=400 if form.errors or error else 200,
    )


@require_POST
def vote(request, slug, conversation_id):
    """One vote from the voting card. With htmx the next card comes back in place;
    without JavaScript the page reloads with it."""
    # A member who has voted before: their place, the conversation and its hub in one
    # query; otherwise the conversation, then their (unsaved) place.
    participant = None
    if request.user.is_authenticated:
        participant = services.saved_participant_of(request.user, slug, conversation_id)
    if participant is not None:
        conversation = participant.conversation
    else:
        conversation = _conversation(slug, conversation_id)
        participant = _participant(request, conversation)
    if participant is None:
        raise PermissionDenied("Sign in to vote.")
    statement = get_object_or_404(
        Statement.objects.only("id", "conversation_id", "text", "status"),
        pk=request.POST.get("statement", "0"),
        conversation=conversation,
    )
    # Loaded once here, not again inside the vote's transaction.
    statement.conversation = participant.conversation = conversation
    try:
        value = int(request.POST.get("value", ""))
    except ValueError:
        value = None
    error, again = "", False
    try:
        cast = services.vote_cast(
            participant=participant, statement=statement, value=value, key=posted_key(request)
        )
        again = replayed(cast)
    except ApplicationError as problem:
        error = problem.for_people
    if request.headers.get("HX-Request") == "true":
        # Only the card comes back: the next statement and the count in two queries.
        card = services.voting_card(participant)
        return render(
            request,
            "deliberation/_vote_card.html",
            {
                "hub": conversation.hub,
                "conversation": conversation,
                "statement": statement if error else card.statement,
                "voted_count": card.voted_count,
                "error": error,
                "is_open": conversation.is_open(),
                "announce": not error,
            },
        )
    if error:
        # Shown in the vote card, where the page opens, not at the top out of sight.
        form = StatementForm()
        return _page(request, conversation, participant, form, statement=statement, error=error)
    if again:
        messages.success(request, ALREADY_SAVED)
    saved = reverse("conversation", args=[slug, conversation.pk]) + f"?saved={value}#vote"
    return redirect(saved)


def statement_list(request, slug, conversation_id):
    """Every statement with its own agree / disagree / pass choice: for people who prefer
    a list, or whose browser runs no JavaScript."""
    conversation = _conversation(slug, conversation_id)
    participant = _participant(request, conversation)
    if participant is None:
        return redirect_to_login(request.get_full_path())
    statements = Statement.objects.filter(conversation=conversation, status=StatementStatus.VISIBLE)
    current = services.latest_votes(participant)
    form = VotesForm(request.POST or None, statements=statements, current=current)

    saved = submit(
        request,
        form,
        lambda data: [
            services.votes_cast(
                participant=participant, answers=form.answers(), key=data["key"] or None
            )
        ],
    )
    if saved:
        [count] = saved
        say_saved(
            request,
            count,
            f"Saved {count} vote{pluralize(count)}." if count else "Nothing changed.",
        )
        return redirect("conversation-statements", slug, conversation.pk)
    return render(
        request,
        "deliberation/statements.html",
        {"hub": conversation.hub, "conversation": conversation, "form": form},
        status=400 if form.errors else 200,
    )


def statement_flag(request, slug, conversation_id, statement_id):
    conversation = _conversation(slug, conversation_id)
    participant = _participant(request, conversation)
    if participant is None:
        return redirect_to_login(request.get_full_path())
    statement = get_object_or_404(Statement, pk=statement_id, conversation=conversation)
    form = FlagForm(request.POST or None)
    flagged = submit(
        request,
        form,
        lambda data: [
            services.statement_flag(
                participant=participant,
                statement=statement,
                reason=data["reason"],
                key=data["key"] or None,
            )
        ],
    )
    if flagged:
        [hidden] = flagged
        say_saved(
            request,
            hidden,
            "Thank you. The statement is hidden until a moderator looks at it."
            if hidden
            else "Thank you. The moderators will look at it.",
        )
        return redirect("conversation", slug, conversation.pk)
    return render(
        request,
        "deliberation/flag.html",
        {
            "hub": conversation.hub,
            "conversation": conversation,
            "statement": statement,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def report(request, slug, conversation_id, printable=False):
    conversation = _conversation(slug, conversation_id)
    is_coordinator = _may_read(request, conversation).coordinate
    # The analysis is refreshed in the background after votes (services/analysis.py),
    # never here: reading never writes. The report says how fresh it is.
    data = selectors.report(conversation)
    return render(
        request,
        "deliberation/print.html" if printable else "deliberation/report.html",
        {
            "hub": conversation.hub,
            "conversation": conversation,
            "is_coordinator": is_coordinator,
            "priority_form": PriorityForm() if is_coordinator else None,
            **data,
        },
    )


def report_csv(request, slug, conversation_id):
    conversation = _conversation(slug, conversation_id)
    _may_read(request, conversation)
    data = selectors.report(conversation)
    letters = [g["letter"] for g in data["groups"]]
    # The lists that mark each statement yes or no, and their columns' headings: across
    # roles only when staff and service users both took part.
    marked = {
        "consensus": "common ground",
        "role_consensus": "common ground across roles",
        "divides": "divide",
    }
    if not data["has_roles"]:
        del marked["role_consensus"]
    header = (
        [
            "statement id", "statement", "agree", "disagree", "pass", "agree share",
            *marked.values(), "hub priority",
            *[f"group {letter} agree share" for letter in letters],
            *[f"group {letter} people who agreed or disagreed" for letter in letters],
            *[f"{label} agree share" for label in data["sides"].values()],
            "all participants would agree (predicted)", "predicted low", "predicted high",
        ]
    )  # fmt: skip
    marks = {key: {row.statement.pk for row in data[key]} for key in marked}

    def share(value):
        return "" if value is None else f"{value:.3f}"

    rows = (
        [
            row.statement.pk, row.statement.text, row.agree, row.disagree, row.passed,
            share(row.agree_share),
            *["yes" if row.statement.pk in marks[key] else "no" for key in marks],
            "yes" if row.is_priority else "no",
            *[share(agree) for _, agree, _ in row.by_group],
            *[people for _, _, people in row.by_group],
            *[share(row.by_side[side][0]) for side in data["sides"]],
            *[share(value) for value in (row.predicted or (None, None, None))],
        ]
        for row in data["statements"]
    )  # fmt: skip
    return csv_response(f"conversation-{conversation.pk}.csv", header, rows)


def report_json(request, slug, conversation_id):
    conversation = _conversation(slug, conversation_id)
    _may_read(request, conversation)
    data = selectors.report(conversation)
    cached = data["analysis"]
    body = {
        "conversation": {"id": conversation.pk, "question": conversation.question},
        "analysed_at": cached.computed_at.isoformat() if cached else None,
        "statements": {
            str(row.statement.pk): {
                "text": row.statement.text,
                "agree": row.agree,
                "disagree": row.disagree,
                "pass": row.passed,
                "hub_priority": row.is_priority,
                **(
                    {"agree_share_by_role": {side: row.by_side[side][0] for side in data["sides"]}}
                    if data["has_roles"]
                    else {}
                ),
            }
            for row in data["statements"]
        },
        "participation": selectors.published_participation(data["participation"]),
        "analysis": selectors.published_analysis(cached.result, data["has_roles"])
        if cached
        else None,
    }
    response = HttpResponse(
        json.dumps(body, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="conversation-{conversation.pk}.json"'
    return response


@login_required
@require_POST
def priority(request, slug, conversation_id, statement_id):
    conversation = _conversation(slug, conversation_id)
    statement = get_object_or_404(Statement, pk=statement_id, conversation=conversation)
    if request.POST.get("action") == "unmark":
        services.priority_unmark(actor=request.user, statement=statement)
        messages.success(request, "No longer a hub priority.")
    else:
        form = PriorityForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            services.priority_mark(actor=request.user, statement=statement, note=note)
            messages.success(request, f"Marked as a hub priority: \u201c{statement.text}\u201d")
        except ApplicationError as error:
            messages.error(request, error.for_people)
    return redirect(reverse("conversation-report", args=[slug, conversation.pk]) + "#common-ground")


@login_required
def record_response(request, slug, conversation_id):
    """A coordinator types in a member's paper or phone response."""
    conversation = _conversation(slug, conversation_id)
    hub = conversation.hub
    hub_access.require_coordinator(request.user, hub)
    statements = Statement.objects.filter(conversation=conversation, status=StatementStatus.VISIBLE)
    form = RecordResponseForm(request.POST or None, statements=statements, hub=hub)
    recorded = submit(
        request,
        form,
        lambda data: [
            services.responses_record_for(
                actor=request.user,
                person=data["person"],
                conversation=conversation,
                answers=form.answers(),
                method=data["method"],
                key=data["key"] or None,
            )
        ],
    )
    if recorded:
        [count] = recorded
        say_saved(
            request,
            count,
            f"Recorded {count} vote{pluralize(count)} for {form.cleaned_data['person']}.",
        )
        return redirect("conversation-record", slug, conversation.pk)
    return render_form(
        request,
        form,
        title="Record a paper or phone response",
        intro=f"For \u201c{conversation.question}\u201d. Leave a statement blank if they did "
        "not answer it.",
        submit_label="Record these votes",
        cancel_url=reverse("conversation", args=[slug, conversation.pk]),
    )


@login_required
def moderation(request, slug):
    hub = get_object_or_404(Hub, slug=slug)
    access.require_moderator(request.user, hub)
    queue = list(services.moderation_queue(hub))
    forms_by_statement = {}
    for statement in queue:
        prefix = f"s{statement.pk}"
        form = ModerationForm(
            request.POST if request.POST.get("statement") == str(statement.pk) else None,
            prefix=prefix,
        )
        decided = submit(
            request,
            form,
            lambda data, statement=statement: services.statement_moderate(
                actor=request.user, statement=statement, **data
            ),
        )
        if decided:
            messages.success(request, "Decision saved. The author has been told.")
            return redirect("moderation", slug)
        forms_by_statement[statement.pk] = form
    return render(
        request,
        "deliberation/moderation.html",
        {
            "hub": hub,
            "queue": [(s, forms_by_statement[s.pk]) for s in queue],
            "is_coordinator": hub_access.membership_of(request.user, hub).can_coordinate,
        },
        status=400 if any(f.errors for f in forms_by_statement.values()) else 200,
    )


@login_required
def moderators(request, slug):
    hub = get_object_or_404(Hub, slug=slug)
    hub_access.require_coordinator(request.user, hub)
    current = Moderator.objects.filter(hub=hub).select_related("person")
    if request.method == "POST" and request.POST.get("remove"):
        moderator = get_object_or_404(Moderator, hub=hub, pk=request.POST["remove"])
        services.moderator_remove(actor=request.user, moderator=moderator)
        messages.success(request, f"{moderator.person} is no longer a moderator.")
        return redirect("moderators", slug)
    form = ModeratorForm(request.POST or None, hub=hub)
    appointed = submit(
        request,
        form,
        lambda data: services.moderator_appoint(actor=request.user, hub=hub, **data),
    )
    if appointed:
        messages.success(request, f"{appointed.person} is now a moderator.")
        return redirect("moderators", slug)
    return render(
        request,
        "deliberation/moderators.html",
        {"hub": hub, "moderators": current, "form": form},
        status=400 if form.errors else 200,
    )
