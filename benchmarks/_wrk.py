"""Load from wrk (Debian's C load generator) with benchmarks/wrk/louage.lua, not from Python
threads, which would eat the CPU they measure on a small machine."""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "louage.lua"


class MissingWrk(RuntimeError):
    pass


def wrk_binary():
    path = shutil.which("wrk")
    if not path:
        raise MissingWrk("wrk is not installed: apt-get install wrk")
    return path


def data_file(*, tokens=(), trips=(), stations=(), queries=(), queues=()):
    """The lines louage.lua reads (LOUAGE_DATA)."""
    handle = tempfile.NamedTemporaryFile("w", prefix="louage-wrk-", suffix=".txt", delete=False)
    with handle:
        for kind, values in (("token", tokens), ("trip", trips), ("station", stations),
                             ("query", queries), ("queue", queues)):  # fmt: skip
            for value in values:
                handle.write(f"{kind} {value}\n")
    return handle.name


def start(url, *, mode, seconds, connections, data, acks_dir=None, timeout=10):
    """Start wrk in the background; `collect` waits for it and returns its figures."""
    env = {**os.environ, "LOUAGE_MODE": mode, "LOUAGE_DATA": data,
           "LOUAGE_ACKS": str(acks_dir or "")}  # fmt: skip
    command = [
        wrk_binary(), "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s",
        "--timeout", f"{timeout}s", "--latency", "-s", str(SCRIPT), url,
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)  # fmt: skip


def collect(process):
    output, _ = process.communicate(timeout=3600)
    for line in output.splitlines():
        if line.startswith("LOUAGE_RESULT "):
            figures = json.loads(line.removeprefix("LOUAGE_RESULT "))
            figures["per_second"] = figures["requests"] / max(figures["seconds"], 1e-9)
            return figures
    raise RuntimeError(f"wrk gave no figures:\n{output[-3000:]}")


def run(url, **kwargs):
    return collect(start(url, **kwargs))


def server_errors(figures):
    """How many answers were 5xx, by kind of request."""
    return sum(n for key, n in figures["statuses"].items() if key.split()[-1].startswith("5"))


def read_acks(directory):
    """Holds and cancels wrk saw acknowledged: ({hold id: (trip id, seats)}, {cancel ids})."""
    holds, cancels = {}, set()
    for path in Path(directory).glob("acks-*.log"):
        for line in path.read_text().splitlines():
            parts = line.split()
            if parts[:1] == ["hold"] and len(parts) == 4:
                holds[int(parts[1])] = (int(parts[2]), int(parts[3]))
            elif parts[:1] == ["cancel"] and len(parts) == 2:
                cancels.add(int(parts[1]))
    return holds, cancels
