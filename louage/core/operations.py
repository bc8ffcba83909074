"""Wrapping an API operation's whole run (auth, parsing, view, rendering), as ninja's
`decorate_view` does, for what needs the finished response: idempotent replays, Location."""

import functools

from ninja.utils import contribute_operation_callback


def around_run(view, wrapper, **openapi_extra):
    """`wrapper(operation, run, request, *args, **kwargs)` runs in place of the operation's
    run; `openapi_extra` joins its document. Kept in `_run_decorators`, so that the clones
    ninja binds to each API run it too."""

    def decorate(run):
        operation = run.__self__

        @functools.wraps(run)
        def wrapped(request, *args, **kwargs):
            return wrapper(operation, run, request, *args, **kwargs)

        wrapped.__self__ = operation  # the next wrapper finds the operation the same way
        return wrapped

    def contribute(operation):
        operation.openapi_extra = {**(operation.openapi_extra or {}), **openapi_extra}
        operation.run = decorate(operation.run)
        operation._run_decorators = [*getattr(operation, "_run_decorators", []), decorate]

    contribute_operation_callback(view, contribute)
    return view


def located(url_name, field="id", parameter=None):
    """A 201 answer says where the new resource is: `Location` is the URL of the operation
    `url_name`, with the answer's `field` as its path parameter."""
    import json

    from django.urls import reverse

    def wrapper(operation, run, request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        if response.status_code == 201 and "Location" not in response:
            value = json.loads(response.content).get(field)
            name = f"{operation.api.urls_namespace}:{url_name}"
            path = reverse(name, kwargs={parameter or _parameter_of(url_name): value})
            response["Location"] = request.build_absolute_uri(path)
        return response

    return lambda view: around_run(view, wrapper, **{"x-location": url_name})


def _parameter_of(url_name):
    # get_reservation → reservation_id, get_webhook → endpoint_id (named explicitly)
    return url_name.removeprefix("get_") + "_id"


def _tag(content):
    import hashlib

    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _current_tag(request, args, kwargs, current):
    """The ETag of the resource as GET answers it now (None when GET does not answer 200)."""
    import copy

    if current is not None:
        return _tag(current(request, *args, **kwargs).encode())
    reading = copy.copy(request)
    reading.method = "GET"
    answer = request.resolver_match.func(reading, *args, **kwargs)
    return _tag(answer.content) if answer.status_code == 200 else None


def versioned(current=None):
    """ETag on the resource's answers; on PATCH/PUT, `If-Match` with a stale ETag is refused
    (412 `precondition_failed`) and nothing changes: two chiefs editing one departure, or two
    admins replacing the fare table, do not overwrite each other unseen. The tag is a hash of
    what GET answers on the same path (or of `current(request, **path)`, for a list that
    pages). The precondition is checked once the request is authenticated and its input
    valid, just before the view writes; a writer that slips in between is caught by the next
    If-Match."""
    import functools

    def tag_answers(operation, run, request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        if response.status_code == 200:
            writing = request.method in ("PATCH", "PUT")
            tag = _current_tag(request, args, kwargs, current) if writing or current else None
            response["ETag"] = tag or _tag(response.content)
        return response

    def check_precondition(operation):
        view = operation.view_func

        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            from .errors import PreconditionFailed

            expected = request.headers.get("If-Match")
            if request.method in ("PATCH", "PUT") and expected is not None:
                path = request.resolver_match.kwargs
                now = _current_tag(request, (), path, current)
                tags = {tag.strip().removeprefix("W/") for tag in expected.split(",")}
                if now is not None and "*" not in tags and now not in tags:
                    raise PreconditionFailed()
            return view(request, *args, **kwargs)

        operation.view_func = checked

    def decorate(view):
        contribute_operation_callback(view, check_precondition)
        return around_run(view, tag_answers, **{"x-etag": True})

    return decorate
