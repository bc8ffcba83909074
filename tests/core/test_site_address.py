"""Every process of `make run` builds links from the web's address: louage.core.start fixes
SITE_URL once, before honcho gives each Procfile role a PORT of its own."""

import subprocess
import sys

from louage.core.start import environment
from tests.support.servers import ROOT, base_env


def test_make_run_fixes_one_site_url_from_the_webs_host_and_port():
    assert environment({})["SITE_URL"] == "http://127.0.0.1:8000"
    assert environment({})["PORT"] == "8000"  # honcho's own default would be 5000
    assert environment({"PORT": "8765"})["SITE_URL"] == "http://127.0.0.1:8765"
    assert environment({"HOST": "0.0.0.0", "PORT": "80"})["SITE_URL"] == "http://127.0.0.1:80"
    assert environment({"HOST": "::1", "PORT": "80"})["SITE_URL"] == "http://[::1]:80"
    kept = environment({"SITE_URL": "https://louage.example.tn/", "PORT": "8000"})
    assert kept["SITE_URL"] == "https://louage.example.tn"


def test_make_run_starts_the_roles_through_louage_core_start():
    assert "-m louage.core.start" in (ROOT / "Makefile").read_text().split("\nrun:")[1]


def site_url_of(**env):
    environ = base_env(**env)
    environ.pop("SITE_URL", None)
    environ.update({k: str(v) for k, v in env.items()})
    code = "from django.conf import settings; print(settings.SITE_URL)"
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                          env=environ, capture_output=True, text=True)  # fmt: skip


def test_a_procfile_role_other_than_the_web_refuses_to_guess_the_site_from_its_own_port():
    worker = site_url_of(HONCHO_PROCESS_NAME="worker.1", PORT=8865)
    assert worker.returncode != 0 and "SITE_URL is unset" in worker.stderr
    told = site_url_of(HONCHO_PROCESS_NAME="worker.1", PORT=8865, SITE_URL="http://127.0.0.1:8765")
    assert told.stdout.split()[-1] == "http://127.0.0.1:8765"
    web = site_url_of(HONCHO_PROCESS_NAME="web.1", PORT=8765)
    assert web.stdout.split()[-1] == "http://127.0.0.1:8765"
