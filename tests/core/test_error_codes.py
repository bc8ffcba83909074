"""Every machine code an API error may carry is in louage.core.error_codes, the list the
OpenAPI document publishes: a code named anywhere in the source and missing there fails."""

import ast
import pathlib

import pytest

from louage.core import error_codes

SOURCE = pathlib.Path(__file__).resolve().parents[2] / "louage"


def _text(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def codes_in_source():
    """Code literals where errors are made: `code="…"` keywords (Django's ValidationError
    aside: forms' codes, answered as `invalid`), `"code": "…"` in JSON bodies, class
    attributes `code = "…"`, the API handlers' `_error(…, "code")` and the 401's
    `bearer_refusal`."""
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            named = []
            if isinstance(node, ast.Call):
                function = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if function != "ValidationError":
                    named += [_text(kw.value) for kw in node.keywords if kw.arg == "code"]
                if function == "_error" and len(node.args) > 3:
                    named.append(_text(node.args[3]))
            elif isinstance(node, ast.Dict):
                pairs = zip(node.keys, node.values, strict=True)
                named += [_text(value) for key, value in pairs if _text(key) == "code"]
            elif isinstance(node, ast.Assign):
                targets = [getattr(t, "id", None) or getattr(t, "attr", None) for t in node.targets]
                if {"code", "bearer_refusal"} & set(targets):
                    named.append(_text(node.value))
            for code in filter(None, named):
                found.setdefault(code, []).append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    return found


def test_the_scan_sees_the_codes_raised_across_the_apps():
    found = codes_in_source()
    # one of each kind: keyword, class attribute, handler argument, JSON body, refusal
    assert {"not_enough_seats", "vehicle_busy", "malformed_json", "too_large"} <= set(found)
    assert {"token_expired", "method_not_allowed", "provider_unavailable"} <= set(found)
    assert "invalid_phone" not in found  # a form validator's code, never an API answer
    assert len(found) > 80


def test_every_code_in_the_source_is_listed_with_its_meaning():
    missing = {code: where for code, where in codes_in_source().items()
               if code not in error_codes.CODES}  # fmt: skip
    assert not missing, f"add these to louage.core.error_codes.CODES: {missing}"
    for code, known in error_codes.CODES.items():
        assert known.meaning and known.statuses, code


def test_no_listed_code_is_left_over():
    found = codes_in_source()
    assert not set(error_codes.CODES) - set(found)


def test_every_domain_error_class_has_a_listed_code_with_its_status():
    import django.apps

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    import louage.urls  # noqa: F401 (every app's API, views and services, so their errors)
    from louage.core.errors import DomainError

    assert django.apps.apps.ready
    classes = list(subclasses(DomainError))
    assert len(classes) > 20
    for cls in classes:
        assert cls.status in error_codes.CODES[cls.code].statuses, cls


def test_a_domain_error_with_an_unlisted_code_cannot_be_declared():
    from louage.core.errors import Conflict

    with pytest.raises(LookupError, match="made_up_code"):
        type("MadeUp", (Conflict,), {"code": "made_up_code"})
    with pytest.raises(LookupError, match="without status 409"):
        type("WrongStatus", (Conflict,), {"code": "not_found"})


def test_the_document_lists_the_codes_whole_and_per_operation():
    from louage.api import api

    document = api.get_openapi_schema()
    code = document["components"]["schemas"]["ErrorOut"]["properties"]["code"]
    assert set(code["x-error-codes"]) == set(error_codes.CODES)
    assert code["x-error-codes"]["not_enough_seats"].startswith("409: ")
    reserve = document["paths"]["/api/v1/reservations"]["post"]
    assert reserve["x-error-codes"]["401"] == ["not_authenticated", "token_invalid",
                                               "token_expired"]  # fmt: skip
    assert "idempotency_key_reused" in reserve["x-error-codes"]["409"]
    assert "`idempotency_key_reused`" in reserve["responses"]["409"]["description"]
    for methods in document["paths"].values():
        for operation in methods.values():
            for status, codes in operation.get("x-error-codes", {}).items():
                assert status in operation["responses"]
                assert all(int(status) in error_codes.CODES[c].statuses for c in codes)


def test_the_main_traveller_operations_name_their_own_refusals():
    from louage.api import api

    first, again = api.get_openapi_schema(), api.get_openapi_schema()
    assert first["paths"] == again["paths"]  # built twice alike
    paths = first["paths"]
    reserve = paths["/api/v1/reservations"]["post"]["x-error-codes"]
    assert {"not_enough_seats", "too_many_holds", "phone_required"} <= set(reserve["409"])
    assert reserve["403"] == ["forbidden", "email_unverified"]
    assert "hold_cooldown" in reserve["429"]
    cancel = paths["/api/v1/reservations/{reservation_id}/cancel"]["post"]
    assert "refund_cutoff" in cancel["x-error-codes"]["409"]
    assert "`refund_cutoff`" in cancel["responses"]["409"]["description"]
    refund = paths["/api/v1/payments/{payment_id}/refund"]["post"]["x-error-codes"]
    assert {"already_refunded", "refund_cutoff"} <= set(refund["409"])


def test_an_operation_cannot_name_a_code_without_its_status():
    from louage.core.api import _error_codes, raises

    operation = {"operationId": "demo", **raises("refund_cutoff")}
    with pytest.raises(ValueError, match="refund_cutoff"):
        _error_codes(operation, {"200": {}, "404": {}})
    with pytest.raises(LookupError, match="made_up"):
        _error_codes({"operationId": "demo", **raises("made_up")}, {"409": {}})
    declared = _error_codes({"operationId": "demo", **raises("refund_cutoff")}, {"409": {}})
    assert declared == {"409": ["conflict", "invalid_transition", "refund_cutoff"]}
