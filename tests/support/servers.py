"""Real servers for tests and benchmarks: a throwaway PostgreSQL cluster and live gunicorn apps.

Everything listens on 127.0.0.1 only and is stopped when the test session ends.
"""

import glob
import json
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class MissingSystemPackage(RuntimeError):
    """A Debian package the test needs is not installed."""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin_dir():
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "initdb")):
            return candidate
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(initdb)
    raise MissingSystemPackage("PostgreSQL is not installed: apt-get install postgresql")


class PostgresCluster:
    """A private cluster made with initdb and run with pg_ctl, deleted at stop().

    As root (CI), the server runs as the `postgres` system user, since PostgreSQL refuses root.
    """

    def __init__(self):
        self.bin = postgres_bin_dir()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="louage-pg-"))
        self.data = self.dir / "data"
        self.run_as = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise MissingSystemPackage(
                    "no `postgres` system user: apt-get install postgresql"
                ) from None
            self.run_as = "postgres"
            shutil.chown(self.dir, user="postgres")
            os.chmod(self.dir, 0o755)
        self._templates = set()
        self.started = False

    def _cmd(self, *args):
        command = [os.path.join(self.bin, args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return command

    def start(self):
        subprocess.run(
            self._cmd(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
            "-c shared_buffers=128MB"
        )
        subprocess.run(
            self._cmd(
                "pg_ctl",
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.dir / "log"),
                "-w",
                "start",
            ),
            check=True,
            capture_output=True,
        )
        self.started = True
        return self

    def url(self, name):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def execute(self, sql, dbname="postgres"):
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name, template=None):
        suffix = f" TEMPLATE {template}" if template else ""
        self.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    def stop(self):
        if self.started:
            subprocess.run(
                self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"),
                capture_output=True,
            )
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)


def base_env(**overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST_", "DATABASE_URL", "REDIS_URL", "EMAIL_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "louage.settings",
            "DEBUG": "true",
            "ACCESS_LOG": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def manage(env, *args, timeout=300):
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args[:2])} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


class LiveServer:
    """gunicorn (master + workers) serving the app on a database of its own."""

    def __init__(self, *, database_url, workdir, workers=4, env=None):
        self.database_url = database_url
        self.workdir = Path(workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = base_env(
            DATABASE_URL=database_url,
            LOUAGE_VAR_DIR=self.workdir,
            MEDIA_ROOT=self.workdir / "media",
            PORT=self.port,
            WEB_CONCURRENCY=workers,
            **(env or {}),
        )
        self.process = None
        self.log = self.workdir / "gunicorn.log"

    def manage(self, *args, timeout=300):
        return manage(self.env, *args, timeout=timeout)

    def shell_json(self, code):
        """Run Python in a Django shell against this server's database; returns the JSON it prints last."""
        out = self.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])

    def start(self, timeout=60):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "louage.wsgi:application",
                    "--config",
                    "python:louage.gunicorn_conf",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not become ready:\n{self.log.read_text()[-4000:]}")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    def sql(self, query, params=()):
        """Direct query on the server's database; write placeholders as %s."""
        if self.database_url.startswith("sqlite"):
            path = self.database_url.split("sqlite:///", 1)[1]
            with sqlite3.connect(path, timeout=30) as conn:
                return conn.execute(query.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []


class LiveAppFactory:
    """Makes live servers on fresh databases. Migrations run once per backend into a template
    (a file copy for SQLite, CREATE DATABASE … TEMPLATE for PostgreSQL)."""

    def __init__(self, get_cluster):
        self._get_cluster = get_cluster
        self._root = Path(tempfile.mkdtemp(prefix="louage-live-"))
        self._sqlite_template = None
        self._pg_template = False
        self._servers = []
        self._count = 0

    def _workdir(self):
        self._count += 1
        path = self._root / f"app{self._count}"
        path.mkdir()
        return path

    def _sqlite_url(self, workdir):
        if self._sqlite_template is None:
            template = self._root / "template.sqlite3"
            manage(
                base_env(DATABASE_URL=f"sqlite:///{template}", LOUAGE_VAR_DIR=self._root),
                "migrate",
                "--noinput",
                "-v0",
            )
            self._sqlite_template = template
        target = workdir / "louage.sqlite3"
        # Checkpoint-free copy is safe: the template is closed and in WAL mode with no readers.
        with sqlite3.connect(self._sqlite_template) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return f"sqlite:///{target}"

    def _postgres_url(self):
        cluster = self._get_cluster()
        if not self._pg_template:
            url = cluster.create_database("louage_template")
            manage(
                base_env(DATABASE_URL=url, LOUAGE_VAR_DIR=self._root), "migrate", "--noinput", "-v0"
            )
            self._pg_template = True
        return cluster.create_database(f"louage_{self._count}", template="louage_template")

    def __call__(self, backend="sqlite", workers=4, env=None, seed_demo=False):
        workdir = self._workdir()
        if backend == "sqlite":
            url = self._sqlite_url(workdir)
        elif backend == "postgres":
            url = self._postgres_url()
        else:
            raise ValueError(backend)
        server = LiveServer(database_url=url, workdir=workdir, workers=workers, env=env)
        if seed_demo:
            server.manage("seed_demo")
        self._servers.append(server)
        return server.start()

    def close(self):
        for server in self._servers:
            server.stop()
        shutil.rmtree(self._root, ignore_errors=True)
