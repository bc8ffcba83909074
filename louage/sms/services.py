"""SMS: queued in the same transaction as what caused them (a subscriber of the domain
events), sent by the task worker (tasks.send_sms), their state moved by Kannel's delivery
reports; messages from phones (STOP, START, a ticket code) answered.

A message's state only moves forward: queued → sent → delivered | failed. Each move is a
conditional UPDATE on the states it may come from, so a late or repeated delivery report, or
a report that overtakes the worker's own "sent", never moves it back.
"""

import logging
import re
import secrets
import unicodedata

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from louage.accounts.models import User
from louage.booking.models import Reservation
from louage.core import clock
from louage.core.errors import InvalidInput
from louage.core.validators import normalize_tunisian_phone

from . import selectors, texts
from .encoding import fit
from .models import SmsMessage, SmsOptOut, SmsStatus

logger = logging.getLogger("louage.sms")
S = SmsStatus


def recipient_language(user):
    language = getattr(user, "language", None)
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def traveller_phone(reservation):
    """(phone, language) of the traveller of a reservation: the account's, or the walk-in's
    passenger phone (in the site's default language); (\"\", …) when there is none."""
    client = reservation.client
    if client is not None:
        if client.is_active and client.deleted_at is None and client.phone:
            return client.phone, recipient_language(client)
        return "", settings.LANGUAGE_CODE
    return reservation.passenger_phone or "", settings.LANGUAGE_CODE


def queue_sms(*, to, language, kind, write, event_id=None, reservation=None, notice=None,
              ignore_stop=False):  # fmt: skip
    """Write the message (`write()` composes it, in `language`) for the task worker, which
    sends it once this transaction commits. Nothing when SMS are off, the number said STOP
    (unless `ignore_stop`: the answer to STOP itself) or this event already texted it."""
    if not to or not selectors.sms_enabled():
        return None
    if not ignore_stop and selectors.opted_out(to):
        return None
    with translation.override(language):
        encoded = fit(write(), language=language, max_segments=settings.SMS_MAX_SEGMENTS)
    try:
        with transaction.atomic():
            message = SmsMessage.objects.create(
                to=to, text=encoded.text, language=language, ucs2=encoded.ucs2,
                segments=encoded.segments, kind=kind, event_id=event_id,
                reservation=reservation, notice=notice, dlr_token=secrets.token_urlsafe(32),
            )  # fmt: skip
    except IntegrityError:  # this event already has its message to this number
        return None
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _enqueue(message_id):
    from .tasks import send_sms

    try:
        send_sms.enqueue(message_id)
    except Exception:  # the message stays queued and visible; logged for the operator
        logger.exception("could not queue SMS %s for the worker", message_id)


def text_traveller(reservation, *, kind, write, event_id, notice=None):
    phone, language = traveller_phone(reservation)
    return queue_sms(to=phone, language=language, kind=kind, write=write, event_id=event_id,
                     reservation=reservation, notice=notice)  # fmt: skip


# --- state ------------------------------------------------------------------------------------


def mark_sent(message):
    return SmsMessage.objects.filter(pk=message.pk, status=S.QUEUED).update(
        status=S.SENT, sent_at=clock.now(), error=""
    )


def mark_failed(message, error):
    return SmsMessage.objects.filter(pk=message.pk, status__in=[S.QUEUED, S.SENT]).update(
        status=S.FAILED, failed_at=clock.now(), error=str(error)[:200]
    )


# Kannel's report types (the dlr-url's %d) → the state they move a message to.
REPORTS = {1: S.DELIVERED, 2: S.FAILED, 4: S.SENT, 8: S.SENT, 16: S.FAILED}


def record_delivery_report(*, token, report_type):
    """Kannel tells what became of a message. Returns the message, or None for an unknown
    token. Raises InvalidInput for a report type Kannel does not send."""
    try:
        state = REPORTS[int(report_type)]
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("unknown delivery report type", code="bad_report") from None
    message = SmsMessage.objects.filter(dlr_token=token).first()
    if message is None:
        return None
    now = clock.now()
    if state == S.SENT:
        SmsMessage.objects.filter(pk=message.pk, status=S.QUEUED).update(status=S.SENT, sent_at=now)
    elif state == S.DELIVERED:
        SmsMessage.objects.filter(pk=message.pk, status__in=[S.QUEUED, S.SENT]).update(
            status=S.DELIVERED, delivered_at=now
        )
    else:
        SmsMessage.objects.filter(pk=message.pk, status__in=[S.QUEUED, S.SENT]).update(
            status=S.FAILED, failed_at=now, error=f"delivery report {report_type}"
        )
    message.refresh_from_db()
    return message


# --- messages from phones ---------------------------------------------------------------------

STOP_WORDS = {"STOP", "ARRET", "وقف"}
START_WORDS = {"START"}
CODE = re.compile(r"^[A-HJ-NP-Z2-9]{8}$")  # booking's CODE_ALPHABET
ARABIC = re.compile(r"[\u0600-\u06ff]")


def _word(text):
    """The message as a command word: trimmed, upper case, accents off (ARRÊT → ARRET)."""
    text = unicodedata.normalize("NFKD", text.strip().upper())
    return "".join(char for char in text if not unicodedata.combining(char)).replace(" ", "")


def _language_of(phone, text):
    user = User.objects.filter(phone=phone, is_active=True, deleted_at__isnull=True).first()
    if user is not None:
        return recipient_language(user)
    return "ar" if ARABIC.search(text) else settings.LANGUAGE_CODE


@transaction.atomic
def receive_sms(*, sender, text):
    """A phone wrote to Louage (Kannel's sms-service). STOP / ARRET / وقف: no more SMS to this
    number until START; a ticket code: its state and departure, to the traveller's own phone
    only; anything else: what can be sent. The answer goes through the task worker.
    Raises InvalidInput for a number that is not Tunisian or an empty text."""
    try:
        phone = normalize_tunisian_phone(sender)
    except Exception:
        raise InvalidInput("from: not a Tunisian phone number", code="bad_number") from None
    text = (text or "").strip()
    if not phone or not text or len(text) > 1600:
        raise InvalidInput("from and text are required", code="bad_message")
    word = _word(text)
    language = _language_of(phone, text)
    if word in STOP_WORDS:
        SmsOptOut.objects.get_or_create(phone=phone)
        queue_sms(to=phone, language=language, kind="stopped", write=texts.stopped,
                  ignore_stop=True)  # fmt: skip
        return "stop"
    if word in START_WORDS:
        SmsOptOut.objects.filter(phone=phone).delete()
        queue_sms(to=phone, language=language, kind="reply", write=texts.started)
        return "start"
    if CODE.match(word):
        reservation = (
            Reservation.objects.select_related("trip__origin", "trip__destination",
                                               "trip__vehicle", "client")
            .filter(code=word).first()
        )  # fmt: skip
        if reservation is not None and traveller_phone(reservation)[0] == phone:
            queue_sms(to=phone, language=language, kind="reply", reservation=reservation,
                      write=lambda: texts.ticket_status(reservation))  # fmt: skip
            return "ticket"
    queue_sms(to=phone, language=language, kind="reply", write=texts.help_text)
    return "help"


def erase_for_client(client_id):
    """A deleted account's SMS keep no number nor text (the day's counts and costs stay):
    design.md §3.5, personal data erased. The number becomes a unique placeholder, since
    (event, number) is unique."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    return SmsMessage.objects.filter(reservation__client_id=client_id).update(
        to=Concat(Value("~"), Cast("pk", CharField())), text=""
    )
