"""Writing visit counts. These are the system's own writes (no acting user), so they leave
no audit entry; each flush is one short transaction however many page views it carries."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F

from louage.core import clock

from .models import DailyPageViews, DailyVisitors, VisitorDigest, VisitSalt
from .periods import TUNIS

# A day's salt and visitor hashes are deleted this long after the day ends, so that a
# process flushing the last seconds of the day a little late still finds them.
CLOSE_AFTER = timedelta(minutes=5)


def visitor_digest(salt, address, user_agent):
    message = f"{address}\n{user_agent}".encode()
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()[:32]


def _open_day_salt(day, today):
    """The day's salt, locked for this transaction (so concurrent flushes of the same day
    recount visitors one after the other); made for today if missing; None for a closed
    day, whose visitors can no longer be told apart."""
    if day == today:
        VisitSalt.objects.bulk_create(
            [VisitSalt(day=day, salt=secrets.token_hex(32))], ignore_conflicts=True
        )
    return (
        VisitSalt.objects.select_for_update(no_key=True)
        .filter(day=day)
        .values_list("salt", flat=True)
        .first()
    )


def _add_page_views(day, page, count):
    if DailyPageViews.objects.filter(day=day, page=page).update(views=F("views") + count):
        return
    try:
        with transaction.atomic():
            DailyPageViews.objects.create(day=day, page=page, views=count)
    except IntegrityError:  # another process created the row meanwhile
        DailyPageViews.objects.filter(day=day, page=page).update(views=F("views") + count)


@transaction.atomic
def record_visits(*, views, visitors):
    """Add page views ({(day, page): count}) and visitors ({(day, address, user agent)}) to
    the day counts. Visitors are stored as keyed hashes only, and counted once per day."""
    now = clock.now()
    today = now.astimezone(TUNIS).date()
    forget_closed_days(now=now)
    by_day = {}
    for day, address, user_agent in visitors:
        by_day.setdefault(day, set()).add((address, user_agent))
    for day in sorted(by_day):
        salt = _open_day_salt(day, today)
        if salt is None:
            continue
        VisitorDigest.objects.bulk_create(
            [VisitorDigest(day=day, digest=visitor_digest(salt, *who)) for who in by_day[day]],
            ignore_conflicts=True,
        )
        count = VisitorDigest.objects.filter(day=day).count()
        DailyVisitors.objects.update_or_create(day=day, defaults={"visitors": count})
    for (day, page), count in sorted(
        views.items(), key=lambda item: (item[0][0], item[0][1] or "")
    ):
        if page:
            _add_page_views(day, page, count)


def forget_closed_days(*, now=None):
    """Delete the salts and visitor hashes of days that are over (CLOSE_AFTER ago): from then
    on, no hash can be recomputed from an address. The day's visitor count stays."""
    now = now or clock.now()
    last_closed = (now - CLOSE_AFTER).astimezone(TUNIS).date() - timedelta(days=1)
    VisitorDigest.objects.filter(day__lte=last_closed).delete()
    VisitSalt.objects.filter(day__lte=last_closed).delete()
