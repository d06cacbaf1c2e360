"""The one application error type: a plain-English message, optionally tied to a field."""


class ApplicationError(Exception):
    def __init__(self, message: str, *, field: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}

    def add_to_form(self, form) -> None:
        """Show the error next to its field (or at the top of the form)."""
        field = self.field if self.field in form.fields else None
        form.add_error(field, self.message)
