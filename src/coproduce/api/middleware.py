"""Refuse API requests carrying NUL characters before they reach a view.

PostgreSQL text cannot hold a NUL byte, so a `\\u0000` in a search word or a title would
otherwise be a database error (a 500). The pages' forms already refuse it next to the
field; the API answers 400 in its usual shape.
"""

from urllib.parse import unquote_to_bytes

from django.http import JsonResponse

MESSAGE = "Text may not contain NUL characters (\\u0000)."


def _has_nul(request) -> str | None:
    if "\x00" in request.path:  # an id or slug in the address
        return "path"
    query = request.META.get("QUERY_STRING", "")
    if b"\x00" in unquote_to_bytes(query):
        return "query"
    if request.method in ("POST", "PUT", "PATCH"):
        body = request.body
        if b"\x00" in body or b"\\u0000" in body.lower():
            return "body"
    return None


def refuse_nul_characters(get_response):
    def middleware(request):
        if request.path.startswith("/api/"):
            where = _has_nul(request)
            if where:
                return JsonResponse({"detail": MESSAGE, "field": where}, status=400)
        return get_response(request)

    return middleware
