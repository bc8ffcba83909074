"""`make run` leaves nothing behind: however it is stopped — Ctrl-C, SIGTERM, or SIGKILL of
its whole process group — every process it started ends and its port is free again."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.servers import ROOT, base_env, free_port

pytestmark = [pytest.mark.live, pytest.mark.resilience]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("make-run")


def processes_of(data_dir):
    """Live processes whose environment names this data directory."""
    mine = f"LOUAGE_VAR_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if mine in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def port_taken(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_stopping_make_run_ends_every_process_and_frees_the_port(data_dir, how):
    port = free_port()
    env = base_env(LOUAGE_VAR_DIR=data_dir, STATIC_ROOT=data_dir / "static", PORT=port,
                   WEB_CONCURRENCY=2)  # fmt: skip
    log = open(data_dir / f"make-run-{how}.log", "wb")  # noqa: SIM115 - closed below
    make = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert make.poll() is None, (data_dir / f"make-run-{how}.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("make run did not start")
        started = processes_of(data_dir)
        assert len(started) >= 5  # make, honcho, web master and workers, worker, sweeper
        os.killpg(make.pid, getattr(signal, how))
        deadline = time.monotonic() + 45
        while (processes_of(data_dir) or port_taken(port)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert processes_of(data_dir) == []
        assert not port_taken(port)
    finally:
        for pid in processes_of(data_dir):
            os.kill(pid, signal.SIGKILL)
        log.close()
