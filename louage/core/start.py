"""Start every role of the Procfile, as `make run` does, each building links from the web's address.

honcho gives each Procfile process a `PORT` of its own (web: PORT, worker: PORT + 100, …), and
only the web listens on it. The site's address (SITE_URL: links in emails, payment callbacks,
the GTFS feed's agency_url) is therefore fixed here, once, from the web's HOST and PORT, before
honcho starts the roles, and every role inherits it unchanged.

    python -m louage.core.start      # HOST (127.0.0.1), PORT (8000), SITE_URL (http://HOST:PORT)
"""

import os
import sys
from pathlib import Path

DEFAULT_PORT = "8000"
PROCFILE = Path(__file__).resolve().parents[2] / "Procfile"


def site_url(environ):
    """SITE_URL when set, else the address the web process serves (HOST, PORT)."""
    if environ.get("SITE_URL"):
        return environ["SITE_URL"].rstrip("/")
    host = environ.get("HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):  # noqa: S104 - listening everywhere: loopback reaches it
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{environ.get('PORT') or DEFAULT_PORT}"


def environment(environ):
    """The environment every role starts with: the web's port, and the one SITE_URL."""
    env = dict(environ)
    env["PORT"] = env.get("PORT") or DEFAULT_PORT
    env["SITE_URL"] = site_url(env)
    return env


def main():
    env = environment(os.environ)
    print(  # noqa: T201 - the operator's first line
        f"Louage: {env['SITE_URL']}  (demo accounts in README.md, password louage-demo-2024; "
        "Ctrl-C stops)",
        flush=True,
    )
    command = ["honcho", "--no-prefix", "start", "-f", str(PROCFILE), "-p", env["PORT"]]
    os.execvpe(command[0], command, env)  # noqa: S606 - honcho, by design


if __name__ == "__main__":
    sys.exit(main())
