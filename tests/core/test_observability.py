"""Request ids, the per-request JSON log line, metrics, and 503 while the database is away."""

import json
import logging

import pytest
from django.db import OperationalError, connection
from pythonjsonlogger.json import JsonFormatter

from louage.core.db import transactional

pytestmark = pytest.mark.django_db


def test_every_answer_carries_a_request_id_and_a_sane_one_from_the_proxy_is_kept(client, settings):
    fresh = client.get("/healthz")
    assert len(fresh["X-Request-ID"]) == 32
    settings.TRUSTED_PROXY_COUNT = 1  # behind nginx, which sets the header
    kept = client.get("/healthz", headers={"X-Request-ID": "nginx-1234abcd"})
    assert kept["X-Request-ID"] == "nginx-1234abcd"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert forged["X-Request-ID"] != "<script>alert(1)</script>"


def test_one_json_log_line_per_request(client, client_user, caplog):
    client.force_login(client_user)
    with caplog.at_level(logging.INFO, logger="louage.request"):
        response = client.get("/compte/")
    [record] = [r for r in caplog.records if r.name == "louage.request"]
    line = json.loads(JsonFormatter("%(asctime)s %(levelname)s %(message)s").format(record))
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["method"], line["route"], line["status"]) == ("GET", "accounts:profile", 200)
    assert line["user_id"] == client_user.pk
    assert line["duration_ms"] >= 0 and line["pid"] > 0


def test_metrics_need_the_token_and_count_requests(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    client.get("/healthz")
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert ok.status_code == 200
    text = ok.content.decode()
    assert 'louage_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert "louage_http_request_duration_seconds_bucket" in text
    for figure in ("louage_holds_expired_total", "louage_payment_failures_total",
                   "louage_task_queue_depth"):  # fmt: skip
        assert figure in text


@pytest.fixture
def database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)


def test_the_api_answers_503_with_retry_after_while_the_database_is_away(api, database_down):
    response = api().get("trips")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "unavailable" and body["request_id"] == response["X-Request-ID"]


@pytest.mark.parametrize("language, words", [("fr", "momentanément indisponible")])
def test_pages_answer_503_in_their_language_with_the_request_id(
    client, database_down, language, words
):
    client.raise_request_exception = False
    response = client.get("/stations/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert words in page
    assert response["X-Request-ID"] in page


@pytest.mark.django_db(transaction=True)
def test_a_transaction_the_database_aborted_runs_once_more():
    calls = []

    class Deadlock(Exception):
        sqlstate = "40P01"

    @transactional
    def service():
        calls.append(1)
        if len(calls) == 1:
            error = OperationalError("deadlock detected")
            error.__cause__ = Deadlock()
            raise error
        return "done"

    assert service() == "done"
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_a_failing_transaction_is_retried_once_only_and_real_errors_never():
    calls = []

    class Deadlock(Exception):
        sqlstate = "40P01"

    @transactional
    def always_deadlocks():
        calls.append(1)
        error = OperationalError("deadlock detected")
        error.__cause__ = Deadlock()
        raise error

    with pytest.raises(OperationalError):
        always_deadlocks()
    assert len(calls) == 2

    @transactional
    def broken():
        calls.append(1)
        raise ValueError("a bug is not retried")

    calls.clear()
    with pytest.raises(ValueError):
        broken()
    assert len(calls) == 1


def test_metrics_have_samples_before_any_booking_or_task(client, settings):
    # A series that appears only with its first reservation cannot be graphed or alerted on.
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    text = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    samples = dict(
        line.rsplit(" ", 1) for line in text.content.decode().splitlines() if line[:1] != "#"
    )
    assert samples['louage_task_queue_depth{queue="default"}'] == "0.0"
    for status in ("pending", "confirmed", "boarded", "expired", "cancelled"):
        assert samples[f'louage_reservations_total{{status="{status}"}}'] == "0.0"


def test_reservations_and_waiting_tasks_are_counted(client, settings, client_user, trip):
    from louage.booking import services as booking
    from louage.webhooks.tasks import deliver

    settings.METRICS_TOKEN = "s3cret-metrics-token"
    booking.reserve_seats(trip=trip, client=client_user, seats=1)
    deliver.enqueue(123456)  # waits in the database queue: no worker in this test
    text = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    body = text.content.decode()
    assert 'louage_reservations_total{status="pending"} 1.0' in body
    assert 'louage_task_queue_depth{queue="default"} 1.0' in body


@pytest.mark.parametrize("host", ["10.0.0.5:8000", "127.0.0.1:8001", "[fd00::5]:8000"])
def test_probes_answer_at_an_instance_address_that_allowed_hosts_does_not_list(
    client, settings, host
):
    settings.ALLOWED_HOSTS = ["louage.example.tn"]
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    assert client.get("/healthz", HTTP_HOST=host).status_code == 200
    assert client.get("/readyz", HTTP_HOST=host).json() == {"status": "ok"}
    assert client.head("/readyz", HTTP_HOST=host).status_code == 200
    metrics = client.get("/metrics", HTTP_HOST=host,
                         headers={"Authorization": "Bearer s3cret-metrics-token"})  # fmt: skip
    assert metrics.status_code == 200
    assert client.get("/metrics", HTTP_HOST=host).status_code == 401  # the token still counts
    # Nothing else opens to an unknown host: pages, the API, a probe's neighbours.
    for path in ("/", "/api/v1/stations", "/healthz/", "/django-admin/"):
        assert client.get(path, HTTP_HOST=host).status_code in (400, 404), path
    assert client.post("/readyz", HTTP_HOST=host).status_code == 400


def test_json_log_lines_carry_the_time_in_utc_with_its_offset():
    from louage.core.logs import JsonFormatter

    record = logging.LogRecord("louage.test", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    record.created = 1764750000.25  # 2025-12-03 08:20:00.250 UTC, 09:20 in Tunis
    line = json.loads(JsonFormatter().format(record))
    assert line == {"time": "2025-12-03T08:20:00.250+00:00", "level": "INFO",
                    "logger": "louage.test", "message": "hello you"}  # fmt: skip


def test_plain_output_lines_become_json_and_json_lines_stay_as_they_are():
    from louage.core.logs import as_json_line

    line = json.loads(as_json_line("2026-12-03 08:15:02,123 WARN exited: worker (terminated "
                                   "by SIGKILL; not expected)\n", "supervisord"))  # fmt: skip
    assert (line["level"], line["logger"]) == ("WARNING", "supervisord")
    assert line["message"] == "exited: worker (terminated by SIGKILL; not expected)"
    assert line["time"].endswith("+00:00")
    assert (
        json.loads(as_json_line("  Applying core.0001_cache_table... OK", "migrate"))["message"]
        == "  Applying core.0001_cache_table... OK"
    )
    already = '{"time": "2026-12-03T08:15:02.123+00:00", "level": "INFO", "message": "x"}'
    assert as_json_line(already + "\n", "web") == already
    assert json.loads(as_json_line("{not json", "web"))["message"] == "{not json"


def test_the_line_writer_turns_a_commands_output_into_json_and_keeps_its_exit_status():
    import subprocess
    import sys

    from tests.support.servers import ROOT, base_env

    script = "import sys; print('plain out'); print('plain err', file=sys.stderr); sys.exit(3)"
    command = [sys.executable, "-m", "louage.core.logs", "demo", "--", sys.executable, "-c", script]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                            env=base_env(DEBUG="false"))  # fmt: skip
    assert result.returncode == 3 and result.stderr == ""
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted((line["logger"], line["level"], line["message"]) for line in lines) == [
        ("demo", "INFO", "plain out"), ("demo", "WARNING", "plain err"),
    ]  # fmt: skip
    # In development the command runs as it is.
    plain = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                           env=base_env(DEBUG="true"))  # fmt: skip
    assert (plain.returncode, plain.stdout, plain.stderr) == (3, "plain out\n", "plain err\n")


def test_made_up_methods_share_one_metrics_series(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    for word in ("FOO", "BAR", "X" * 40):
        client.generic(word, "/healthz")
    text = client.get(
        "/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"}
    ).content.decode()
    assert 'method="other"' in text
    assert 'method="FOO"' not in text and 'method="BAR"' not in text and "XXXX" not in text
