"""Threat: clients built from the OpenAPI document break, or find a hole, where the server does
something other than what the document says (an undeclared status, a constraint the schema
does not state, a loose type accepted, a 500).

Attack: schemathesis (4.x) generates valid and invalid requests for every operation of
/api/v1/openapi.json against a live server on the demo network, with every check (server
errors, status codes, content types, headers, response schemas, invalid data accepted, valid
data refused, unsupported methods, ignored auth, use after free…), as an anonymous caller, a
client, a station chief and an administrator. Each run must find nothing. Operations added
later are walked too: the run reads the document. tests/security/schemathesis.toml names the
few operations that may answer 422 for a rule JSON Schema cannot state, with the reason.
"""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.live

CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20261125
EXAMPLES = 6  # per operation and role: the four runs take 2 to 4 minutes on 2 shared cores
PASSWORD = "louage-demo-2024"
ROLES = [  # the admin runs last: it may delete or demote the others' accounts
    ("anonymous", None),
    ("client", "client1@louage.tn"),
    ("chief", "chef.tunis@louage.tn"),
    ("admin", "admin@louage.tn"),
]
# Counters far from the fuzzer's way (rate limits have tests of their own).
UNLIMITED = {
    "RATE_API_ANONYMOUS": "1000000/m",
    "RATE_API_TOKEN": "1000000/m",
    "RATE_API_REGISTER": "1000000/m/ip,1000000/m/key",
    "RATE_API_BOOKING": "1000000/m",
    "RATE_API_PAYMENT": "1000000/m",
    "RATE_LOGIN_FAILED": "1000000/m/ip,1000000/m/key",
    "MAX_PENDING_HOLDS": "1000",
    "MAX_HELD_SEATS": "1000",
}


def token(base_url, email):
    response = httpx.post(
        f"{base_url}/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()["access"]


def schemathesis(base_url, bearer, workdir):
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file", str(CONFIG),
        "run", f"{base_url}/api/v1/openapi.json",
        "--checks", "all",
        "--seed", str(SEED),
        "--max-examples", str(EXAMPLES),
        "--no-shrink",
        # One worker: with threads, CPython 3.11's ast.parse (used by hypothesis to describe
        # its strategies) can fail with "AST constructor recursion depth mismatch".
        "--workers", "1",
        "--report", "junit", "--report-dir", str(workdir),
    ]  # fmt: skip
    if bearer:
        command += ["--header", f"Authorization: Bearer {bearer}"]
    result = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=600,
        env={"PATH": str(Path(sys.executable).parent), "NO_COLOR": "1", "HOME": str(workdir)},
    )  # fmt: skip
    return result


def totals(output):
    """(operations, examples, failures) from the run's summary."""
    operations = int(re.search(r"Tested:\s+(\d+)", output).group(1))
    examples = int(re.search(r"(\d+) generated", output).group(1))
    found = re.search(r"(\d+) found (\d+) unique failures?", output)
    return operations, examples, int(found.group(2)) if found else 0


def test_the_api_does_exactly_what_its_openapi_document_says_for_every_role(live_app, tmp_path):
    server = live_app("sqlite", workers=3, env=UNLIMITED, seed_demo=True)
    document = httpx.get(f"{server.url}/api/v1/openapi.json", timeout=30).json()
    operation_count = sum(
        1 for methods in document["paths"].values() for method in methods if method != "parameters"
    )
    summary = {}
    failures = {}
    started = time.monotonic()
    for role, email in ROLES:
        bearer = token(server.url, email) if email else None
        workdir = tmp_path / role
        workdir.mkdir()
        result = schemathesis(server.url, bearer, workdir)
        output = result.stdout + result.stderr
        operations, examples, failed = totals(output)
        summary[role] = {"operations": operations, "examples": examples, "failures": failed}
        if result.returncode != 0 or failed:
            failures[role] = output[-6000:]
        assert operations == operation_count, (role, operations, operation_count)
    elapsed = round(time.monotonic() - started)
    print(f"\nschemathesis seed {SEED}, {EXAMPLES} examples per operation, {elapsed} s:")
    print(json.dumps(summary, indent=1))
    assert not failures, "\n\n".join(f"--- {role}\n{text}" for role, text in failures.items())
    assert "Traceback" not in server.log.read_text()
