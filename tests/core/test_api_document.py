"""The OpenAPI document is a contract generated clients build on: it validates, and the
Python (openapi-python-client) and TypeScript (openapi-typescript, compiled with tsc)
clients built from it come out typed, with no warning."""

import pytest
from openapi_spec_validator import validate

from louage.api import api
from tests.support import clients


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema()


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def test_the_document_passes_the_openapi_validator(document):
    validate(document)  # raises on the first problem
    assert document["openapi"].startswith("3.1")
    assert document["servers"][0]["description"]


def test_operation_ids_are_unique_readable_names(document):
    ids = [operation["operationId"] for _method, _path, operation in operations(document)]
    assert len(ids) == len(set(ids))
    assert all(identifier.isalnum() and identifier[0].islower() for identifier in ids), ids
    named = {(method, path): op["operationId"] for method, path, op in operations(document)}
    assert named["POST", "/api/v1/reservations"] == "reserveSeats"
    assert named["GET", "/api/v1/trips"] == "searchTrips"


def test_gateway_callbacks_stay_out_of_the_client_document(document):
    assert not [path for path in document["paths"] if "/payments/webhooks/" in path]


def test_every_request_body_is_a_plain_object_schema(document):
    schemas = document["components"]["schemas"]
    for method, path, operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        for media in content.values():
            schema = media["schema"]
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
            if schema.get("type") == "array":
                schema = schemas[schema["items"]["$ref"].rsplit("/", 1)[1]]
            assert schema.get("type") == "object", (method, path)
            assert not {"oneOf", "anyOf", "allOf", "not"} & set(schema), (method, path)


def test_a_generated_python_client_is_typed_and_built_without_warning(document, tmp_path):
    package, output = clients.generate_python_client(
        clients.write_document(document, tmp_path), tmp_path
    )
    assert "Warning" not in output and "WARNING" not in output, output
    reserve = (package / "api" / "reservations" / "reserve_seats.py").read_text()
    assert "body: ReserveIn" in reserve
    assert "idempotency_key: str | Unset" in reserve
    desk = (package / "api" / "reservations" / "sell_at_desk.py").read_text()
    assert "body: DeskSaleIn" in desk
    generated = "\n".join(p.read_text() for p in package.rglob("*.py"))
    assert "body: Any" not in generated


def test_a_generated_typescript_client_compiles(document, tmp_path):
    work = tmp_path / "ts"
    work.mkdir()
    (work / "use.ts").write_text((clients.TOOLS / "client-check" / "use.ts").read_text())
    (work / "tsconfig.json").write_text((clients.TOOLS / "tsconfig.json").read_text())
    generated = clients.generate_typescript(
        clients.write_document(document, tmp_path), work / "louage.ts"
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    assert "⚠" not in output and "warn" not in output.lower(), output
    types = (work / "louage.ts").read_text()
    assert "unknown" not in types.split("ReserveIn: {", 1)[1].split("};", 1)[0]
    compiled = clients.compile_typescript(work)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


def test_every_creation_says_where_the_new_resource_is(document):
    for method, path, operation in operations(document):
        created = operation["responses"].get("201")
        if created and path != "/api/v1/notices":  # a notice is sent, not kept to be read
            assert "Location" in created.get("headers", {}), (method, path)


def test_partner_webhook_payloads_are_in_the_document(document):
    from louage.core.events import PUBLIC_TYPES

    assert set(document["webhooks"]) == set(PUBLIC_TYPES)
    body = document["webhooks"]["reservation.confirmed"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/WebhookEvent")
    event = document["components"]["schemas"]["WebhookEvent"]
    assert {"id", "type", "created_at", "data"} <= set(event["properties"])


def test_webhook_times_have_the_apis_precision():
    import datetime as dt
    import json

    from louage.core.api import LocalTimeEncoder
    from louage.core.times import api_time

    moment = dt.datetime(2026, 12, 3, 8, 30, 5, 123456, tzinfo=dt.UTC)
    assert api_time(moment) == "2026-12-03T09:30:05.123+01:00"
    assert json.dumps(moment, cls=LocalTimeEncoder) == f'"{api_time(moment)}"'
    whole = moment.replace(microsecond=0)
    assert json.dumps(whole, cls=LocalTimeEncoder) == f'"{api_time(whole)}"'
