"""Production `make run` (DEBUG=false), as an operator runs it on two machines sharing one
PostgreSQL: both started at the same moment migrate once (one lock) and serve; supervisord
brings back each role — web, worker, scheduler, relay — killed with SIGKILL or SIGTERM, alone,
while the rest keep serving; probes answer at the instance's own address; the first admin
comes from `createsuperuser --noinput`; every line either instance prints is JSON with a UTC
time; and stopping it stops everything. One stack for the whole module."""

import json
import os
import re
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from louage.core.management.commands.migrate import ADVISORY_LOCK_ID
from tests.support.servers import MakeRun, manage

pytestmark = [pytest.mark.live, pytest.mark.postgres, pytest.mark.resilience]

ROLES = ("web", "worker", "scheduler", "relay")
SITE = "louage.example.tn"
UTC_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


def waited(instance):
    return any("another instance is migrating" in line for line in instance.lines())


def wait_until(predicate, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


class Prober(threading.Thread):
    """GET /healthz on an instance every 50 ms; every answer that was not a 200 is kept."""

    def __init__(self, instance):
        super().__init__(daemon=True)
        self.instance, self.running, self.count, self.failures = instance, True, 0, []

    def run(self):
        with httpx.Client(timeout=20) as http:  # a loaded machine is slow, not down
            while self.running:
                try:
                    status = http.get(self.instance.url + "/healthz").status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                self.count += 1
                if status != 200:
                    self.failures.append(status)
                time.sleep(0.05)

    def stop(self):
        self.running = False
        self.join(10)
        return self


@pytest.fixture(scope="module")
def stack(postgres_cluster, tmp_path_factory):
    url = postgres_cluster.create_database("supervised")
    common = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": SITE,
        "SECURE_SSL_REDIRECT": "false",
        "METRICS_TOKEN": "metrics-" + secrets.token_hex(8),
        "WEB_CONCURRENCY": "2",
        "ACCESS_LOG": "1",  # the web server's access lines must be JSON too
        "LOG_LEVEL": "INFO",
        "EVENTS_RELAY_INLINE": "false",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    instances = [MakeRun(tmp_path_factory.mktemp(f"instance{n}"), url, common) for n in (1, 2)]
    # The migration lock held here a moment, so that both surely reach `migrate` while it is
    # taken, then race for it the instant it is free.
    holder = psycopg.connect(url, autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_ID])
    try:
        for instance in instances:  # both at once, as two machines booting
            instance.start()
        assert wait_until(lambda: all(waited(i) for i in instances), 180, step=0.5), [
            i.log.read_text()[-2000:] for i in instances
        ]
        holder.close()
        for instance in instances:
            if not wait_until(instance.ready, 240, step=0.5):
                pytest.fail(f"make run did not start:\n{instance.log.read_text()[-4000:]}")
        for instance in instances:
            assert wait_until(lambda i=instance: set(i.running_pids()) == set(ROLES), 30), (
                instance.ctl("status")
            )
        yield {"instances": instances, "url": url, "env": common}
        for instance in instances:  # stopping make run stops every process it started
            os.killpg(instance.process.pid, signal.SIGTERM)
        for instance in instances:
            assert wait_until(lambda i=instance: not i.processes(), 60), instance.processes()
    finally:
        holder.close()
        for instance in instances:
            instance.kill_all()


def test_two_instances_starting_at_once_migrate_once_and_both_serve(stack):
    first, second = stack["instances"]
    with psycopg.connect(stack["url"]) as conn:
        twice = conn.execute(
            "SELECT app, name FROM django_migrations GROUP BY app, name HAVING COUNT(*) > 1"
        ).fetchall()
        applied = conn.execute("SELECT COUNT(*) FROM django_migrations").fetchone()[0]
    assert twice == [] and applied > 50
    assert waited(first) and waited(second)  # both met the lock
    for instance in (first, second):
        assert instance.ready(), instance.log.read_text()[-3000:]


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_each_role_stopped_comes_back_alone_while_the_others_serve(stack, how):
    first, second = stack["instances"]
    for role in ROLES:
        before = first.running_pids()
        assert set(before) == set(ROLES), first.ctl("status")
        # While web restarts, the other instance serves; otherwise this one's web does.
        prober = Prober(second if role == "web" else first)
        prober.start()
        time.sleep(0.3)
        os.kill(before[role], getattr(signal, how))
        back = wait_until(lambda b=before, r=role: first.running_pids().get(r, b[r]) != b[r], 60)
        assert back, f"{role} not restarted after {how}: {first.ctl('status')}"
        assert wait_until(first.ready, 30)
        seen = prober.count
        assert wait_until(lambda p=prober, s=seen: p.count >= s + 3, 30)  # answers after it too
        prober.stop()
        after = first.running_pids()
        assert {r: p for r, p in after.items() if r != role} == {
            r: p for r, p in before.items() if r != role
        }, (role, how, before, after)  # the others were never restarted
        assert prober.failures == [], (role, how, prober.failures)


def test_probes_and_metrics_answer_at_the_instance_address_only(stack):
    instance = stack["instances"][1]
    token = stack["env"]["METRICS_TOKEN"]
    for host in (f"127.0.0.1:{instance.port}", "10.0.0.5:8000"):
        assert httpx.get(instance.url + "/healthz", headers={"Host": host}).status_code == 200
        assert httpx.get(instance.url + "/readyz", headers={"Host": host}).status_code == 200
        assert (
            httpx.get(instance.url + "/api/v1/stations", headers={"Host": host}).status_code == 400
        )
    assert httpx.get(instance.url + "/api/v1/stations", headers={"Host": SITE}).status_code == 200
    metrics = httpx.get(instance.url + "/metrics", headers={"Authorization": f"Bearer {token}"})
    assert metrics.status_code == 200
    assert re.search(r'^louage_task_queue_depth\{queue="default"\} \d', metrics.text, re.M)
    assert re.search(r'^louage_reservations_total\{status="confirmed"\} \d', metrics.text, re.M)
    # Each instance counts its own requests: scrape every one.
    assert 'louage_http_requests_total{method="GET",route="healthz",status="200"}' in metrics.text


def test_the_first_admin_from_createsuperuser_logs_in_at_once(stack):
    first, second = stack["instances"]
    password = "Premier-" + secrets.token_urlsafe(12)
    manage({**first.env, "DJANGO_SUPERUSER_EMAIL": "admin@reseau.tn",
            "DJANGO_SUPERUSER_PASSWORD": password}, "createsuperuser", "--noinput")  # fmt: skip
    login = httpx.post(second.url + "/api/v1/auth/token", headers={"Host": SITE},
                       json={"email": "admin@reseau.tn", "password": password})  # fmt: skip
    assert login.status_code == 200, login.text
    me = httpx.get(second.url + "/api/v1/me", headers={
        "Host": SITE, "Authorization": f"Bearer {login.json()['access']}"})  # fmt: skip
    assert me.json()["role"] == "admin"
    # The production banner names no demo password, and says online payment is off.
    text = first.log.read_text()
    assert "louage-demo-2024" not in text and "createsuperuser" in text
    assert "payments.W001" in text and "online payment is off" in text


def test_an_upgrade_as_docs_operations_walks_it_refuses_nothing(stack):
    first = stack["instances"][0]
    prober = Prober(first)
    prober.start()
    try:
        # 2-3. migrate (nothing left to do: the lock is free) and collectstatic while serving.
        assert "No migrations to apply" in manage(first.env, "migrate", "--noinput")
        manage(first.env, "collectstatic", "--noinput", "-v0")
        # 4. HUP to the master from its pid file: new workers, same master.
        before = first.running_pids()
        master = int((first.dir / "run" / f"web-{first.port}.pid").read_text())
        assert master == before["web"]
        old_workers = set(Path(f"/proc/{master}/task/{master}/children").read_text().split())
        os.kill(master, signal.SIGHUP)
        assert wait_until(
            lambda: (
                not old_workers
                & set(Path(f"/proc/{master}/task/{master}/children").read_text().split())
            ),
            30,
        )
        # 5. The other roles, one at a time.
        for role in ("worker", "scheduler", "relay"):
            assert "started" in first.ctl("restart", role)
        after = first.running_pids()
        assert after["web"] == master and all(after[r] != before[r] for r in ROLES[1:])
        seen = prober.count
        assert wait_until(lambda: prober.count >= seen + 3, 30)
    finally:
        prober.stop()
    assert prober.failures == [], prober.failures


def test_every_line_either_instance_printed_is_json_with_a_utc_time(stack):
    loggers = set()
    for instance in stack["instances"]:
        httpx.get(instance.url + "/api/v1/stations", headers={"Host": SITE})  # traffic
        time.sleep(0.5)
        lines = instance.lines()
        assert len(lines) > 50
        for line in lines:
            record = json.loads(line)  # fails on the first plain line
            assert isinstance(record, dict) and UTC_TIME.match(record["time"]), line
            assert record["level"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}, line
            loggers.add(record.get("logger"))
    # Every kind of output went through: make's steps, supervisord, the web server, the app.
    assert {"migrate", "supervisord", "_granian", "granian.access", "louage.request",
            "louage.run"} <= loggers, loggers  # fmt: skip
