"""Real servers for tests and benchmarks: a throwaway PostgreSQL cluster and live apps (louage.core.web).

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
        self._options = options = (
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

    def pause(self):
        """Stop the server (an outage); its data stays for `resume`."""
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"),
            check=True,
            capture_output=True,
        )

    def resume(self):
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.data), "-o", self._options, "-l",
                      str(self.dir / "log"), "-w", "start"),
            check=True,
            capture_output=True,
        )  # fmt: skip

    def log_text(self):
        try:
            return (self.dir / "log").read_text(errors="replace")
        except OSError:
            return ""

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
            # Live servers relay domain events after each commit themselves; ProcfileApp and
            # the resilience stack run relay processes instead.
            "EVENTS_RELAY_INLINE": "true",
            # No SMS unless a test wires Kannel in (tests/conftest.py: sms_live).
            "SMS_BACKEND": "",
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
    """The web role (louage.core.web: granian, a master and its workers) serving the app on a
    database of its own."""

    def __init__(self, *, database_url, workdir, workers=4, env=None):
        self.database_url = database_url
        self.workdir = Path(workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = base_env(
            **{
                "DATABASE_URL": database_url,
                "LOUAGE_VAR_DIR": self.workdir,
                "MEDIA_ROOT": self.workdir / "media",
                "PORT": self.port,
                "WEB_CONCURRENCY": workers,
                **(env or {}),
            }
        )
        self.process = None
        self.log = self.workdir / "web.log"

    def manage(self, *args, timeout=300):
        return manage(self.env, *args, timeout=timeout)

    def shell_json(self, code, timeout=300):
        """Run Python in a Django shell against this server's database; returns the JSON it prints last."""
        out = self.manage("shell", "-c", code, timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    def command(self):
        """What serves the app: the web role, as `make run` starts it."""
        return [sys.executable, "-m", "louage.core.web"]

    def start(self, timeout=60):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"web server exited early:\n{self.log.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"web server did not become ready:\n{self.log.read_text()[-4000:]}")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    def worker_pids(self):
        """The web workers' pids (children of the master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def signal_master(self, signum):
        os.kill(self.process.pid, signum)

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

    def database(self, backend="sqlite"):
        """A fresh migrated database and a folder of its own → (url, workdir), for apps
        started otherwise (ProcfileApp)."""
        workdir = self._workdir()
        url = self._sqlite_url(workdir) if backend == "sqlite" else self._postgres_url()
        return url, workdir

    def __call__(self, backend="sqlite", workers=4, env=None, seed_demo=False, kind=None):
        workdir = self._workdir()
        if backend == "sqlite":
            url = self._sqlite_url(workdir)
        elif backend == "postgres":
            url = self._postgres_url()
        else:
            raise ValueError(backend)
        server = (kind or LiveServer)(database_url=url, workdir=workdir, workers=workers, env=env)
        if seed_demo:
            server.manage("seed_demo")
        self._servers.append(server)
        return server.start()

    def close(self):
        for server in self._servers:
            server.stop()
        shutil.rmtree(self._root, ignore_errors=True)


class TaskWorker:
    """A `manage.py db_worker` process on a live server's database and settings."""

    def __init__(self, env, log_path):
        self.env = env
        self.log_path = Path(log_path)
        self.process = None

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), "task_worker", "--queue-name", "default",
                 "--interval", "0.2", "--no-reload", "--no-startup-delay"],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


class EventRelay(TaskWorker):
    """A `manage.py relay_events` process on a live server's database and settings."""

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), "relay_events", "--interval", "0.2"],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self


class Sweeper(TaskWorker):
    """A `manage.py sweep_holds` process (the Procfile's scheduler) on a live server's database."""

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), "sweep_holds", "--every", "1"],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self


class RedisServer:
    """redis-server on loopback, in memory only; `pause`/`resume` make an outage."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            raise MissingSystemPackage("Redis is not installed: apt-get install redis-server")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="louage-redis-"))
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout=10):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def pause(self):
        """An outage: the server goes away (its memory with it) until `resume`."""
        self.process.terminate()
        self.process.wait(timeout=10)

    def resume(self):
        return self.start()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class NginxServer:
    """Debian's nginx in front of live servers, with the repository's configuration
    (deploy/nginx/louage.conf.template rendered by `manage.py nginx_config`)."""

    def __init__(self, *, upstreams, static_root, media_root, rate=1000, burst=2000,
                 connections=1000):  # fmt: skip
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(self.binary):
            raise MissingSystemPackage("nginx is not installed: apt-get install nginx-light")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="louage-nginx-"))
        self.upstreams = upstreams
        self.static_root = static_root
        self.media_root = media_root
        self.limits = {"rate": rate, "burst": burst, "connections": connections}
        self.process = None

    def _config(self):
        sys.path.insert(0, str(ROOT))
        from louage.core.management.commands.nginx_config import render

        site = render(
            upstreams=self.upstreams, listen=f"127.0.0.1:{self.port}", server_name="_",
            static_root=self.static_root, media_root=self.media_root, **self.limits,
        )  # fmt: skip
        # As root (CI), workers would drop to `nobody`, who cannot read pytest's private
        # temporary directories where the static files are collected.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        return (
            user + "worker_processes 1;\n"
            f"pid {self.dir}/nginx.pid;\n"
            f"error_log {self.dir}/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "  include /etc/nginx/mime.types;\n"
            f"  access_log {self.dir}/access.log;\n"
            f"  client_body_temp_path {self.dir}/body;\n"
            f"  proxy_temp_path {self.dir}/proxy;\n"
            f"  fastcgi_temp_path {self.dir}/fastcgi;\n"
            f"  uwsgi_temp_path {self.dir}/uwsgi;\n"
            f"  scgi_temp_path {self.dir}/scgi;\n"
            f"{site}\n"
            "}\n"
        )

    def start(self, timeout=10):
        config = self.dir / "nginx.conf"
        config.write_text(self._config())
        test = subprocess.run([self.binary, "-t", "-c", str(config), "-p", str(self.dir)],
                              capture_output=True, text=True)  # fmt: skip
        if test.returncode:
            raise RuntimeError(f"nginx refused its configuration:\n{test.stderr}")
        self.process = subprocess.Popen(
            [self.binary, "-c", str(config), "-p", str(self.dir), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class ProcfileApp:
    """Every process of `make run` (louage.core.start: honcho with the Procfile, the web server, the
    task worker, the sweeper, the relay) in a process group of its own, on a given database —
    as an operator runs it."""

    def __init__(self, *, database_url, workdir, env=None, workers=5):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        bin_dir = str(Path(sys.executable).parent)
        self.env = base_env(
            **{
                "DATABASE_URL": database_url,
                "LOUAGE_VAR_DIR": self.workdir,
                "MEDIA_ROOT": self.workdir / "media",
                "PORT": self.port,
                "WEB_CONCURRENCY": workers,
                "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
                "EVENTS_RELAY_INLINE": "false",  # the Procfile's relay process does it
                **(env or {}),
            }
        )
        self.log = self.workdir / "app.log"
        self.process = None

    def start(self, timeout=90):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "louage.core.start"],  # what `make run` runs
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the app did not become ready:\n{self.log.read_text()[-4000:]}")

    def group_pids(self):
        """Every live process of the app: its group, and the children of the group (each
        Procfile command runs in a session of its own)."""
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if f"LOUAGE_VAR_DIR={self.workdir}".encode() in environ.split(b"\0"):
                found.add(int(entry.name))
        return found

    def kill_everything(self):
        """SIGKILL of the process group, as when an operator's terminal dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        for pid in self.group_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


SUPERVISORCTL = str(Path(sys.executable).parent / "supervisorctl")


class MakeRun:
    """`make run` in a process group of its own, on a data directory (`common`: its
    environment; with DEBUG=false, its roles under supervisord, reached with `ctl`)."""

    def __init__(self, root, database_url, common):
        self.dir = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = base_env(
            **common, DATABASE_URL=database_url, LOUAGE_VAR_DIR=root, STATIC_ROOT=root / "static",
            MEDIA_ROOT=root / "media", PORT=self.port,
        )  # fmt: skip
        # An operator's `make run`, not a sub-make of `make test` (which would add make's own
        # "Entering directory" lines to the output).
        for name in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS"):
            self.env.pop(name, None)
        self.log = root / "make-run.log"
        self.process = None

    def start(self):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(["make", "run"], cwd=ROOT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        return self

    def ready(self):
        import httpx

        try:  # the instance's own address: not in ALLOWED_HOSTS, the probe answers anyway
            return httpx.get(self.url + "/readyz", timeout=10).status_code == 200
        except httpx.HTTPError:
            return False

    def ctl(self, *args):
        config = self.dir / "run" / "supervisord.conf"
        result = subprocess.run([SUPERVISORCTL, "-c", str(config), *args], capture_output=True,
                                text=True, timeout=30)  # fmt: skip
        return result.stdout.strip()

    def running_pids(self):
        """{role: pid} of the roles supervisord reports RUNNING."""
        import re

        pids = {}
        for line in self.ctl("status").splitlines():
            found = re.match(r"^(\w+)\s+RUNNING\s+pid (\d+),", line)
            if found:
                pids[found.group(1)] = int(found.group(2))
        return pids

    def lines(self):
        return [line for line in self.log.read_text().splitlines() if line.strip()]

    def processes(self):
        mine = f"LOUAGE_VAR_DIR={self.dir}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if mine in (entry / "environ").read_bytes().split(b"\0"):
                        found.append(int(entry.name))
                except OSError:
                    continue
        return found

    def kill_all(self):
        for pid in self.processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# --- Identity providers: OpenID Connect (also standing in for Google) and Facebook -------------


class _ThreadedWSGI:
    """A WSGI app served by werkzeug on 127.0.0.1 in a thread; stop() and start() again keep
    the port and the app's state, so a test can take the provider down and bring it back."""

    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.requests = []  # (method, path) of every request, for tests about caching
        self._server = None
        self._thread = None

    def _recording(self, environ, start_response):
        self.requests.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        return self.app(environ, start_response)

    def start(self):
        import threading

        import werkzeug.serving

        self._server = werkzeug.serving.make_server(
            "127.0.0.1", self.port, self._recording, threaded=True
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def down(self):
        """Context manager: the provider refuses connections inside the block."""
        import contextlib

        @contextlib.contextmanager
        def outage():
            self.stop()
            try:
                yield
            finally:
                self.start()

        return outage()


def _location(response):
    assert response.status_code in (302, 303), (response.status_code, response.text[:500])
    return response.headers["location"]


class OIDCProvider(_ThreadedWSGI):
    """A real OpenID Connect provider (oidc-provider-mock: authlib and Flask) on loopback.

    Any client id and secret are accepted. Its sign-in page asks for a subject; the claims
    of that subject (email, email_verified, names…) are set first with `set_user`. Discovery
    at `issuer + /.well-known/openid-configuration`, keys at `/jwks`, RS256 ID tokens.
    """

    def __init__(self):
        import logging
        import warnings

        with warnings.catch_warnings():
            # authlib warns about its own modules that the mock still imports, with an "always"
            # filter it installs when imported: silence them after that.
            import authlib.deprecate  # noqa: F401

            warnings.simplefilter("ignore")
            import oidc_provider_mock

            app = oidc_provider_mock.app()
        for name in ("oidc_provider_mock", "werkzeug", "httpx"):
            logging.getLogger(name).setLevel(logging.ERROR)
        super().__init__(app)

    @property
    def issuer(self):
        return self.base_url

    def set_user(self, sub, **claims):
        import httpx

        httpx.put(f"{self.issuer}/users/{sub}", json=claims).raise_for_status()

    def sign_in(self, authorize_url, sub):
        """What a person does on the provider's page: sign in as `sub` and consent. Returns the
        address the provider sends the browser back to (the app's callback with code and state)."""
        import httpx

        page = httpx.get(authorize_url)
        assert page.status_code == 200, page.text[:500]
        return _location(httpx.post(authorize_url, data={"sub": sub}))

    def deny(self, authorize_url):
        import httpx

        return _location(httpx.post(authorize_url, data={"action": "deny"}))

    def sign(self, claims, *, headers=None):
        """A JWT signed with this provider's own key: any claims (expired, another issuer…)."""
        import flask
        import jwt

        with self.app.test_request_context("/"):
            self.app.preprocess_request()
            pem = flask.g.oidc_provider_mock_storage.jwk.as_pem(is_private=True)
        return jwt.encode(claims, pem, algorithm="RS256", headers=headers)

    def id_token(self, *, client_id, sub, nonce=None):
        """An ID token for `client_id`, as a mobile app gets one (code flow on its own redirect)."""
        from urllib.parse import parse_qs, urlencode, urlparse

        import httpx

        redirect_uri = "http://127.0.0.1/app-callback"
        params = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "openid email profile",
            "state": "app",
        }
        if nonce:
            params["nonce"] = nonce
        back = self.sign_in(f"{self.issuer}/oauth2/authorize?{urlencode(params)}", sub)
        code = parse_qs(urlparse(back).query)["code"][0]
        token = httpx.post(
            f"{self.issuer}/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": client_id,
                "client_secret": "app-secret",
            },
        )
        token.raise_for_status()
        return token.json()["id_token"]


class FacebookGraph(_ThreadedWSGI):
    """Facebook's login dialog and Graph API as documented, on loopback: the OAuth dialog, the
    code and app-token exchange (`/oauth/access_token`), token inspection (`/debug_token`)
    and `/me` with `appsecret_proof`. One registered app; users are added with `add_user`."""

    VERSION = "v19.0"

    def __init__(self, app_id="louage-facebook-app", app_secret="facebook-app-secret"):
        self.app_id = app_id
        self.app_secret = app_secret
        self.users = {}
        self.codes = {}
        self.tokens = {}
        super().__init__(self._wsgi)

    @property
    def graph_url(self):
        return f"{self.base_url}/{self.VERSION}"

    @property
    def dialog_url(self):
        return f"{self.base_url}/{self.VERSION}/dialog/oauth"

    def add_user(self, user_id, **profile):
        self.users[str(user_id)] = {"id": str(user_id), **profile}

    def user_token(self, user_id, *, app_id=None, expires_in=3600):
        """A user access token, as the Facebook SDK of a mobile app hands it over."""
        import secrets

        token = "EAA" + secrets.token_urlsafe(24)
        self.tokens[token] = {
            "user_id": str(user_id),
            "app_id": app_id or self.app_id,
            "expires_at": int(time.time()) + expires_in,
        }
        return token

    def sign_in(self, authorize_url, user_id):
        import httpx

        page = httpx.get(authorize_url)
        assert page.status_code == 200, page.text[:500]
        return _location(httpx.post(authorize_url, data={"user": user_id, "action": "allow"}))

    def deny(self, authorize_url):
        import httpx

        return _location(httpx.post(authorize_url, data={"action": "deny"}))

    # --- the WSGI application ------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        from werkzeug.wrappers import Request

        request = Request(environ)
        prefix = f"/{self.VERSION}"
        path = request.path[len(prefix) :] if request.path.startswith(prefix) else None
        routes = {
            "/dialog/oauth": self._dialog,
            "/oauth/access_token": self._access_token,
            "/debug_token": self._debug_token,
            "/me": self._me,
        }
        handler = routes.get(path)
        if handler is None:
            response = self._error(404, "Unknown path components", 2500)
        else:
            response = handler(request)
        return response(environ, start_response)

    @staticmethod
    def _json(data, status=200):
        from werkzeug.wrappers import Response

        return Response(json.dumps(data), status=status, mimetype="application/json")

    def _error(self, status, message, code, kind="OAuthException"):
        return self._json(
            {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCd"}},
            status,
        )

    def _dialog(self, request):
        from urllib.parse import urlencode

        from werkzeug.utils import redirect
        from werkzeug.wrappers import Response

        args = request.args
        if args.get("client_id") != self.app_id or not args.get("redirect_uri"):
            return Response("Invalid App ID", status=400, mimetype="text/plain")
        back = args["redirect_uri"]
        if request.method == "GET":
            options = "".join(
                f'<option value="{uid}">{u.get("name", uid)}</option>'
                for uid, u in self.users.items()
            )
            return Response(
                '<!doctype html><title>Facebook</title><form method="post">'
                f'<select name="user">{options}</select>'
                '<button name="action" value="allow">Continuer</button>'
                '<button name="action" value="deny">Annuler</button></form>',
                mimetype="text/html",
            )
        state = {"state": args["state"]} if "state" in args else {}
        if request.form.get("action") != "allow":
            denied = {
                "error": "access_denied",
                "error_code": "200",
                "error_description": "Permissions error",
                "error_reason": "user_denied",
                **state,
            }
            return redirect(f"{back}?{urlencode(denied)}")
        import secrets

        code = secrets.token_urlsafe(16)
        self.codes[code] = (request.form["user"], back)
        return redirect(f"{back}?{urlencode({'code': code, **state})}")

    def _access_token(self, request):
        args = request.args
        if args.get("client_id") != self.app_id or args.get("client_secret") != self.app_secret:
            return self._error(400, "Error validating client secret.", 1)
        if args.get("grant_type") == "client_credentials":
            return self._json({"access_token": f"{self.app_id}|app-token", "token_type": "bearer"})
        user_id, redirect_uri = self.codes.pop(args.get("code", ""), (None, None))
        if user_id is None:
            return self._error(400, "This authorization code has been used.", 100)
        if args.get("redirect_uri") != redirect_uri:
            return self._error(400, "Error validating verification code.", 100)
        token = self.user_token(user_id)
        return self._json({"access_token": token, "token_type": "bearer", "expires_in": 3600})

    def _debug_token(self, request):
        if request.args.get("access_token") != f"{self.app_id}|app-token":
            return self._error(400, "Invalid OAuth access token - Cannot parse access token", 190)
        info = self.tokens.get(request.args.get("input_token", ""))
        if info is None:
            return self._json(
                {
                    "data": {
                        "error": {"code": 190, "message": "Invalid OAuth access token."},
                        "is_valid": False,
                        "scopes": [],
                    }
                }
            )
        return self._json(
            {
                "data": {
                    "app_id": info["app_id"],
                    "type": "USER",
                    "application": "Louage",
                    "expires_at": info["expires_at"],
                    "is_valid": info["expires_at"] > time.time(),
                    "scopes": ["email", "public_profile"],
                    "user_id": info["user_id"],
                }
            }
        )

    def _me(self, request):
        import hashlib
        import hmac

        token = request.args.get("access_token", "")
        info = self.tokens.get(token)
        if info is None or info["expires_at"] <= time.time():
            return self._error(400, "Invalid OAuth access token.", 190)
        proof = request.args.get("appsecret_proof")
        expected = hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        if info["app_id"] == self.app_id and proof != expected:
            return self._error(400, "Invalid appsecret_proof provided in the API argument", 100)
        user = self.users[info["user_id"]]
        fields = request.args.get("fields", "id,name").split(",")
        return self._json({k: v for k, v in user.items() if k in fields or k == "id"})


class WebhookReceiver:
    """A partner's HTTP endpoint on loopback: records every request it gets; can answer
    errors for a while, hang, or redirect, as a failing partner would."""

    def __init__(self):
        import http.server
        import threading

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks/louage"
        self.requests = []
        self.lock = threading.Lock()
        self.failures_left = 0
        self.failure_status = 500
        self.hang_seconds = 0
        self.redirect = ""
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append(
                        {"headers": dict(self.headers), "body": body, "at": time.time()}
                    )
                    failing = receiver.failures_left > 0
                    if failing:
                        receiver.failures_left -= 1
                if receiver.hang_seconds:
                    time.sleep(receiver.hang_seconds)
                if receiver.redirect:
                    self.send_response(302)
                    self.send_header("Location", receiver.redirect)
                elif failing:
                    self.send_response(receiver.failure_status)
                else:
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def received(self):
        with self.lock:
            return list(self.requests)

    def wait_for(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received()) >= count:
                return self.received()
            time.sleep(0.05)
        raise AssertionError(f"{len(self.received())} webhook requests, expected {count}")
