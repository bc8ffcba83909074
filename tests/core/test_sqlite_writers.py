"""SQLite's writers wait their turn on a lock file beside the database (louage.core.sqlite):
a transaction holds the turn from its BEGIN to its commit or rollback, the next writer goes
once it is given back, a writer gives up with SQLite's own error after the timeout, and a
process that dies in its turn does not keep it."""

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.db import OperationalError, connection

from louage.core.sqlite.base import DatabaseWrapper


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker):
    # These tests open their own SQLite files, never the test database.
    with django_db_blocker.unblock():
        yield


def database(tmp_path, timeout=5):
    settings_dict = {
        **connection.settings_dict,
        "NAME": str(tmp_path / "queue.sqlite3"),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
    }
    db = DatabaseWrapper(settings_dict, alias="queue")
    db.ensure_connection()
    return db


def turn_is_taken(tmp_path):
    """Whether someone holds the writers' turn, asked from an open file of our own."""
    fd = os.open(tmp_path / "queue.sqlite3-writers", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def begin(db):
    db._start_transaction_under_autocommit()


def test_a_transaction_holds_the_turn_until_its_commit_rollback_or_close(tmp_path):
    db = database(tmp_path)
    db.cursor().execute("CREATE TABLE t (n INTEGER)")
    assert not turn_is_taken(tmp_path)
    for end in (db.commit, db.rollback, db.close):
        db.ensure_connection()
        begin(db)
        db.cursor().execute("INSERT INTO t VALUES (1)")
        assert turn_is_taken(tmp_path)
        end()
        assert not turn_is_taken(tmp_path)
    db.ensure_connection()
    # Committed once, rolled back once, closed (rolled back by SQLite) once.
    assert db.cursor().execute("SELECT count(*) FROM t").fetchone() == (1,)
    db.close()


def test_a_waiting_writer_goes_once_the_one_before_commits(tmp_path):
    first = database(tmp_path)
    first.cursor().execute("CREATE TABLE t (n INTEGER)")
    begin(first)
    first.cursor().execute("INSERT INTO t VALUES (1)")
    seen = {}

    def second_writer():
        second = database(tmp_path)
        begin(second)
        seen["rows"] = second.cursor().execute("SELECT n FROM t ORDER BY n").fetchall()
        second.cursor().execute("INSERT INTO t VALUES (2)")
        second.commit()
        second.close()

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive() and not seen, "the second writer began while the first held it"
    first.commit()
    thread.join(5)
    assert seen["rows"] == [(1,)]  # it began after the first's commit, and saw it
    assert first.cursor().execute("SELECT n FROM t ORDER BY n").fetchall() == [(1,), (2,)]
    first.close()


def test_a_writer_gives_up_after_the_timeout_with_sqlites_own_error(tmp_path):
    db = database(tmp_path, timeout=0.3)
    holder = os.open(tmp_path / "queue.sqlite3-writers", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            begin(db)
        assert time.monotonic() - started >= 0.3
        assert not db.connection.in_transaction  # nothing began
    finally:
        os.close(holder)
    begin(db)  # the turn is free again
    db.commit()
    db.close()


def test_a_process_killed_in_its_turn_does_not_keep_it(tmp_path):
    db = database(tmp_path, timeout=10)
    db.cursor().execute("CREATE TABLE t (n INTEGER)")
    # The child takes the turn, writes, and waits to be killed (the database's path in argv).
    script = (
        "import sys, time; sys.path.insert(0, '.');"
        "from django.conf import settings; settings.configure();"
        "from louage.core.sqlite.base import DatabaseWrapper;"
        "db = DatabaseWrapper({'NAME': sys.argv[1], 'ENGINE': '',"
        " 'OPTIONS': {'transaction_mode': 'IMMEDIATE', 'timeout': 5}, 'TIME_ZONE': None,"
        " 'CONN_MAX_AGE': 0, 'CONN_HEALTH_CHECKS': False, 'AUTOCOMMIT': True,"
        " 'ATOMIC_REQUESTS': False, 'USER': '', 'PASSWORD': '', 'HOST': '', 'PORT': '',"
        " 'TEST': {}}, alias='queue');"
        "db.ensure_connection(); db._start_transaction_under_autocommit();"
        "db.cursor().execute('INSERT INTO t VALUES (1)'); print('in', flush=True); time.sleep(60)"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "queue.sqlite3")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "in"
        assert turn_is_taken(tmp_path)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    begin(db)
    assert db.cursor().execute("SELECT count(*) FROM t").fetchone() == (0,)
    db.commit()
    db.close()


def test_a_database_in_memory_has_no_lock_file(tmp_path):
    settings_dict = {**connection.settings_dict, "NAME": ":memory:",
                     "OPTIONS": {"transaction_mode": "IMMEDIATE"}}  # fmt: skip
    db = DatabaseWrapper(settings_dict, alias="memory")
    db.ensure_connection()
    begin(db)
    db.commit()
    assert db._queue_fd is None
    db.close()
