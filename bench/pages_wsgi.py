"""The application as bench/pages.py serves it: coproduce.wsgi, with the number of
database queries each request made in an `X-Bench-Queries` header (those made before
the response started; a streamed download's later queries are not counted). For the
benchmark only; production serves coproduce.wsgi:application."""

from django.db import connections

from coproduce.wsgi import application as coproduce


def application(environ, start_response):
    count = [0]

    def counted(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    def start(status, headers, *rest):
        return start_response(status, [*headers, ("X-Bench-Queries", str(count[0]))], *rest)

    with connections["default"].execute_wrapper(counted):
        return coproduce(environ, start)
