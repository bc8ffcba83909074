"""What a web worker does once, when it loads the app (louage.wsgi)."""

import json
import os
import subprocess
import sys

from tests.support.servers import ROOT

PROBE = """
import gc, json
import louage.wsgi
print(json.dumps({"frozen": gc.get_freeze_count()}))
"""


def test_a_worker_freezes_what_it_loaded_so_collections_skip_it(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "louage.settings",
           "LOUAGE_VAR_DIR": str(tmp_path)}  # fmt: skip
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout  # fmt: skip
    found = json.loads(out.strip().splitlines()[-1])
    # The app, Django and every view module: far more than a bare interpreter's few thousand.
    assert found["frozen"] > 50_000
