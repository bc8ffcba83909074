"""The hot queries run their compiled plans on PostgreSQL too, not only on SQLite.

PostgreSQL's backend compiles integers differently (a value beyond a smallint column's range
is no condition at all; lookups wrap integers in psycopg's Int2/Int4/Int8): a plan SQLite
proves may not be provable there, and the query then silently goes back to the ORM."""

import json

import pytest

from tests.support.servers import base_env, manage

pytestmark = pytest.mark.postgres

PROBE = """
import json
from datetime import timedelta
from django.db import connection, transaction
from louage.booking import services
from louage.core import clock
from louage.core.api import _ACTIVE_USER
from louage.trips import selectors

now = clock.now()
later = now + timedelta(hours=3)
with transaction.atomic():  # the locking queries compile only inside one
    found = {
        "active user": _ACTIVE_USER.compiles(5),
        "locked client": services._LOCKED_CLIENT.compiles(5),
        "locked trip": services._LOCKED_TRIP[False].compiles(5),
        "locked trip, timing": services._LOCKED_TRIP[True].compiles(5),
        "take seats": services._TAKE_SEATS.compiles(5, 1),
        "hold counts": services._HOLD_COUNTS.compiles(5, 7, now, now - timedelta(days=1)),
        "search": selectors._prepared_search((1, 1, 1, 0, 20)).compiles(1, 2, now, later),
        "search, 2 by 3 stations": selectors._prepared_search((2, 3, 2, 20, 40)).compiles(
            1, 2, 3, 4, 5, now, later
        ),
    }
print(json.dumps({"vendor": connection.vendor, "found": found}))
"""


def test_every_hot_query_runs_its_compiled_plan_on_postgresql(_live_factory, postgres_cluster):
    url, workdir = _live_factory.database("postgres")
    out = manage(base_env(DATABASE_URL=url, LOUAGE_VAR_DIR=workdir), "shell", "-c", PROBE)
    answer = json.loads(out.strip().splitlines()[-1])
    assert answer["vendor"] == "postgresql"
    assert answer["found"] == dict.fromkeys(answer["found"], True)
    assert len(answer["found"]) == 8
