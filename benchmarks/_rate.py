"""Constant-rate latency: autocannon (tools/bench, installed by `make bench`) holding a fixed
rate, half the maximum wrk measured, so p99 against p50 shows the tail of a server that is not
saturated. Debian has no wrk2; autocannon waits for each answer before the next request on a
connection, so with 32 connections a stall still delays the requests behind it."""

import json
import os
import shutil
import subprocess
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1] / "tools" / "bench"
SCRIPT = TOOLS / "constant_rate.js"


def ensure_tools():
    """`npm ci` into tools/bench/node_modules when missing (`make bench` does it first)."""
    if not (TOOLS / "node_modules" / "autocannon").is_dir():
        npm = shutil.which("npm")
        if not npm:
            raise RuntimeError("npm is not installed (Debian: nodejs, npm)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=TOOLS, check=True)


def run(url, *, mode, rate, seconds, connections, data):
    ensure_tools()
    env = {**os.environ, "URL": url, "LOUAGE_MODE": mode, "LOUAGE_DATA": data,
           "RATE": str(max(1, int(rate))), "SECONDS": str(seconds),
           "CONNECTIONS": str(connections)}  # fmt: skip
    node = shutil.which("node") or "node"
    output = subprocess.run([node, str(SCRIPT)], env=env, capture_output=True, text=True,
                            timeout=seconds + 120).stdout  # fmt: skip
    for line in output.splitlines():
        if line.startswith("LOUAGE_RESULT "):
            figures = json.loads(line.removeprefix("LOUAGE_RESULT "))
            figures["per_second"] = figures["requests"] / max(figures["seconds"], 1e-9)
            figures["rate"] = int(rate)
            return figures
    raise RuntimeError(f"autocannon gave no figures:\n{output[-3000:]}")
