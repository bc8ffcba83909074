"""Clients generated from the API's OpenAPI document, as an integrator builds them:
openapi-python-client (PyPI) and openapi-typescript + tsc (npm, installed by `make test`'s
node-tools step into tools/openapi/node_modules)."""

import importlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "openapi"
NODE_BIN = TOOLS / "node_modules" / ".bin"


def write_document(document, folder):
    path = Path(folder) / "openapi.json"
    path.write_text(json.dumps(document))
    return path


def generate_python_client(document_path, folder, name="louage_client"):
    """Generate the Python client package `name` into `folder` → (package path, output)."""
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"), "generate",
            "--path", str(document_path), "--config", str(TOOLS / "python-client.yaml"),
            "--output-path", str(Path(folder) / name), "--meta", "none",
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise RuntimeError(f"openapi-python-client failed:\n{output}")
    return Path(folder) / name, output


def import_python_client(folder, name="louage_client"):
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(folder))


def generate_typescript(document_path, target):
    if not (NODE_BIN / "openapi-typescript").exists():
        raise RuntimeError("the npm tools are missing: run `make node-tools`")
    # Fields with a default are optional in request bodies (the tool's default makes them
    # required, as they are in answers).
    return subprocess.run(
        [str(NODE_BIN / "openapi-typescript"), str(document_path), "-o", str(target),
         "--default-non-nullable", "false"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def compile_typescript(folder):
    return subprocess.run(
        [str(NODE_BIN / "tsc"), "-p", str(folder)], capture_output=True, text=True, timeout=300
    )
