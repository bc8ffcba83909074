"""The references every figure of `make bench` is a share of: a bare WSGI app answering "ok",
and bare Django (no middleware, no database, one view answering a JsonResponse) on any path,
each served two ways with the same number of workers:

- "gunicorn": gunicorn's sync workers, the reference issue 28 set its targets against (the
  server Louage ran on when they were set);
- "web": Louage's own web role (louage.core.web: granian, as `make run` and production).

`python -m gunicorn -w 5 benchmarks._bare:wsgi_app` / `DJANGO_SETTINGS_MODULE=benchmarks._bare
python -m gunicorn -w 5 benchmarks._bare:django_app`."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# --- bare Django settings (this module doubles as its settings module) ---
SECRET_KEY = "bare-django-reference-not-a-secret-" + "x" * 20
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = []
MIDDLEWARE = []
ROOT_URLCONF = "benchmarks._bare"
DATABASES = {}
USE_TZ = True


def _ok_view(request, path=""):
    from django.http import JsonResponse

    return JsonResponse({"status": "ok"})


def _urlpatterns():
    from django.urls import re_path

    return [re_path(r"^(?P<path>.*)$", _ok_view)]


def __getattr__(name):  # urlpatterns built on first use, once Django is set up
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def wsgi_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


class _LazyDjango:
    """Django's WSGI handler, made in the worker on its first request (as gunicorn imports
    this module before the settings are known to be this module)."""

    def __init__(self):
        self.app = None

    def __call__(self, environ, start_response):
        if self.app is None:
            from django.core.wsgi import get_wsgi_application

            self.app = get_wsgi_application()
        return self.app(environ, start_response)


django_app = _LazyDjango()


class BareServer:
    """One of the references on a free port: `kind` "wsgi" or "django", `server` "gunicorn"
    or "web" (louage.core.web, as Louage's live servers are)."""

    def __init__(self, kind, *, workers, workdir, port, server="gunicorn"):
        self.kind, self.server, self.workdir, self.port = kind, server, Path(workdir), port
        self.workers = workers
        self.url = f"http://127.0.0.1:{port}"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PROMETHEUS_"))
        }
        self.env.update(PORT=str(port), WEB_CONCURRENCY=str(workers), LOUAGE_VAR_DIR=str(workdir),
                        ACCESS_LOG="0")  # fmt: skip
        if kind == "django":
            self.env["DJANGO_SETTINGS_MODULE"] = "benchmarks._bare"
        self.process = None

    def start(self, timeout=60):
        app = (
            "benchmarks._bare:django_app" if self.kind == "django" else "benchmarks._bare:wsgi_app"
        )
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.server == "web":
            from louage.core import web

            command = web.command(self.env, app=app)
            web.prepare(self.env)
        else:  # sync workers, gunicorn's defaults otherwise
            command = [sys.executable, "-m", "gunicorn", app, "--workers", str(self.workers),
                       "--bind", f"127.0.0.1:{self.port}", "--backlog", "2048"]  # fmt: skip
        with open(self.workdir / f"{self.server}-{self.kind}.log", "ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bare {self.kind} server exited early")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"bare {self.kind} server did not answer")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
