"""`make run`'s last step: start the roles (web, worker, scheduler, relay) under a process
manager. Imports no Django: the settings were checked by the setup steps before.

- Development (DEBUG on): honcho and the Procfile. One terminal, one stream of readable
  output, and a process that stops takes the others down with it: a crash is seen at once
  rather than hidden behind a restart.
- Production (DEBUG off): supervisord (deploy/supervisor/supervisord.conf.template, rendered
  into $LOUAGE_VAR_DIR/run/supervisord.conf): each role restarted on its own when it stops,
  the others serving meanwhile; every output line JSON (louage.core.logs).
"""

import getpass
import json
import os
import secrets
import sys
from pathlib import Path

from louage.core.child import die_with_parent
from louage.core.logs import json_wanted, utc_time
from louage.core.start import site_url

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "supervisor" / "supervisord.conf.template"
DEMO_PASSWORD = "louage-demo-2024"  # noqa: S105 - the published demo accounts' password


def production(environ=None):
    environ = os.environ if environ is None else environ
    return (environ.get("DEBUG") or "true").strip().lower() not in {"1", "true", "yes", "on"}


def address(environ=None):
    environ = os.environ if environ is None else environ
    return environ.get("SITE_URL") or site_url(environ)


def render_supervisor_config(run_dir, python=None):
    values = {
        "RUN_DIR": str(run_dir),
        "PYTHON": python or sys.executable,
        "ROOT": str(ROOT),
        "USER": getpass.getuser(),
        "PASSWORD": secrets.token_urlsafe(24),
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("{{ " + name + " }}", value)
    return text


def say(message):
    if json_wanted():
        line = {"time": utc_time(), "level": "INFO", "logger": "louage.run", "message": message}
        print(json.dumps(line), flush=True)
    else:
        print(message, flush=True)


def main():
    if not die_with_parent():  # make stopped in any way (even SIGKILL) stops everything
        sys.exit(0)
    if not production():
        print(f"Louage: {address()}  (demo accounts in README.md, password {DEMO_PASSWORD}; "
              "Ctrl-C stops)", flush=True)  # fmt: skip
        port = os.environ.get("PORT") or "8000"  # honcho's own default would be 5000
        os.execvp("honcho", ["honcho", "--no-prefix", "start", "-f", str(ROOT / "Procfile"),  # noqa: S606, S607
                             "-p", port])  # fmt: skip
    var_dir = Path(os.environ.get("LOUAGE_VAR_DIR") or ROOT / "var").resolve()
    run_dir = var_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    config = run_dir / "supervisord.conf"
    config.touch(mode=0o600)  # it holds supervisorctl's password
    config.chmod(0o600)
    config.write_text(render_supervisor_config(run_dir))
    say(
        f"Louage: {address()} (production: web, worker, scheduler and relay under supervisord; "
        f"`.venv/bin/supervisorctl -c {config} status`; the first administrator: "
        "`manage.py createsuperuser`, see docs/operations.md)"
    )
    supervisord = str(Path(sys.executable).parent / "supervisord")
    os.execv(  # noqa: S606 - our own supervisor, through the JSON line writer
        sys.executable,
        [sys.executable, "-m", "louage.core.logs", "supervisord", "--",
         supervisord, "-n", "-c", str(config)],
    )  # fmt: skip


if __name__ == "__main__":
    main()
