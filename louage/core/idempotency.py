"""`Idempotency-Key` on the API's POSTs that create something (IETF httpapi Idempotency-Key
draft): a client that retries after a lost answer gets the first answer again, with its
status, instead of a second hold, sale, payment or webhook.

- A key is scoped by operation and account: two clients, or one client's hold and payment,
  never share one.
- The same key with the same request (method, path, body) replays the first answer; with
  another request it is refused (409 `idempotency_key_reused`); while the first one still
  runs, a retry is refused (409 `idempotency_key_in_use`) rather than run twice. The unique
  row (core.IdempotentRequest), taken before the operation runs, decides that race.
- Only successful answers are kept: after an error the client may fix the request and send
  it again under the same key. Keys are kept IDEMPOTENCY_KEY_HOURS.

An operation opts in with `@idempotent` under its router decorator; its document then
declares the header (core.api).
"""

import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _

from . import clock
from .errors import Conflict, InvalidInput
from .operations import around_run
from .throttles import bearer_account_id

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


def idempotent(view):
    """Honour `Idempotency-Key` on this operation (and say so in the OpenAPI document)."""
    return around_run(view, _run_once, **{"x-idempotent": True})


def _run_once(operation, run, request, *args, **kwargs):
    if HEADER not in request.headers:
        return run(request, *args, **kwargs)
    account = bearer_account_id(request)
    if account is None:
        return run(request, *args, **kwargs)  # the operation answers 401 itself
    try:
        key = _valid_key(request.headers[HEADER])
        scope = f"{operation.api.get_openapi_operation_id(operation)}:{account}"
        return once(request, scope, key, lambda: run(request, *args, **kwargs))
    except (Conflict, InvalidInput) as exc:
        return operation.api.on_exception(request, exc)


KEY_PATTERN = r"^[!-~]{1,64}$"  # 1 to 64 visible ASCII characters (a UUID fits)


def _valid_key(key):
    if not re.fullmatch(KEY_PATTERN, key):
        raise InvalidInput(
            _("L'en-tête Idempotency-Key doit avoir de 1 à 64 caractères ASCII visibles."),
            code="invalid_idempotency_key",
        )
    return key


def fingerprint(request):
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def once(request, scope, key, run):
    """The answer of `run()` for this key, run at most once (see the module docstring)."""
    from .models import IdempotentRequest

    mark = fingerprint(request)
    IdempotentRequest.objects.filter(
        scope=scope, key=key, created_at__lt=clock.now() - timedelta(hours=keep_hours())
    ).delete()
    try:
        with transaction.atomic():
            record = IdempotentRequest.objects.create(scope=scope, key=key, fingerprint=mark)
    except IntegrityError:
        return _replay(IdempotentRequest.objects.filter(scope=scope, key=key).first(), mark)
    try:
        response = run()
    except BaseException:
        record.delete()
        raise
    if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
        record.status = response.status_code
        record.content_type = response.get("Content-Type", "")
        record.body = response.content
        record.location = response.get("Location", "")[:500]
        record.save(update_fields=["status", "content_type", "body", "location"])
    else:
        record.delete()  # errors are not kept: the request may be fixed and sent again
    return response


def _replay(record, mark):
    if record is None:  # finished with an error in the meantime
        raise Conflict(
            _("Requête en cours avec cette clé : réessayez."), code="idempotency_key_in_use"
        )
    if record.fingerprint != mark:
        raise Conflict(
            _(
                "Cette clé d'idempotence a déjà servi pour une autre requête : prenez-en une nouvelle."
            ),
            code="idempotency_key_reused",
        )
    if record.status is None:
        raise Conflict(
            _("Une requête avec cette clé est encore en cours : réessayez dans un instant."),
            code="idempotency_key_in_use",
        )
    response = HttpResponse(
        bytes(record.body), status=record.status, content_type=record.content_type
    )
    if record.location:
        response["Location"] = record.location
    response[REPLAYED_HEADER] = "true"
    return response


def keep_hours():
    return getattr(settings, "IDEMPOTENCY_KEY_HOURS", 24)


def forget_old_keys():
    """Housekeeping: keys older than IDEMPOTENCY_KEY_HOURS may be used again."""
    from .models import IdempotentRequest

    IdempotentRequest.objects.filter(
        created_at__lt=clock.now() - timedelta(hours=keep_hours())
    ).delete()
