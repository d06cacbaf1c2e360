"""The one application error type: a plain-English message, optionally tied to a field;
and `validate` / `validated_save`, which turn a model's validation error into one."""


class ApplicationError(Exception):
    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: dict | None = None,
        status: int = 400,
        for_people: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}
        # The API's status: 400 for bad input, 409 for a conflict (a reused key).
        self.status = status
        # How a page says it to a person, when the API's message is not for people.
        self.for_people = for_people or message

    def add_to_form(self, form) -> None:
        """Show the error next to its field (or at the top of the form)."""
        field = self.field if self.field in form.fields else None
        if self.field == "idempotency_key" and "key" in form.fields and form.is_bound:
            # Refused for its key (already used for other details): shown again with a
            # new key, so sending it again saves what it now says.
            import uuid

            form.data = form.data.copy()
            form.data[form.add_prefix("key")] = uuid.uuid4().hex
        form.add_error(field, self.for_people)


def validated_save(instance, *, exclude=None) -> None:
    """full_clean() then save(); a validation error names the field."""
    validate(instance, exclude=exclude)
    instance.save()


def validate(instance, *, exclude=None) -> None:
    """full_clean(), turning a validation error into an ApplicationError naming the field."""
    # Imported here so the pure engines can raise ApplicationError without Django.
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ApplicationError(messages[0], field=None if field == "__all__" else field) from error
