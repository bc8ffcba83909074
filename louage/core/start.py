"""`make run`'s entry: every role builds links from the web's address.

honcho gives each Procfile process a `PORT` of its own (web: PORT, worker: PORT + 100, …), and
only the web listens on it. The site's address (SITE_URL: links in emails, payment callbacks,
the GTFS feed's agency_url) is therefore fixed here, once, from the web's HOST and PORT, before
honcho starts the roles, and every role inherits it unchanged.

    python -m louage.core.start      # HOST (127.0.0.1), PORT (8000), SITE_URL (http://HOST:PORT)

then louage.core.launch starts the roles (honcho in development, supervisord in production).
"""

import os
import sys

DEFAULT_PORT = "8000"


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
    # Every role inherits this environment, under honcho or supervisord (louage.core.launch).
    os.environ.update(environment(os.environ))
    from louage.core import launch

    launch.main()


if __name__ == "__main__":
    sys.exit(main())
