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
