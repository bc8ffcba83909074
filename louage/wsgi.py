import os

from django.core.wsgi import get_wsgi_application

if os.environ.get("LOUAGE_WORKER_DIES_WITH_PARENT") == "1":
    # A web worker (louage.core.web) must not outlive its master, even a SIGKILLed one: the
    # restarted master could not bind the port, and the orphan would serve old code.
    from louage.core.child import die_with_parent

    if not die_with_parent():
        raise SystemExit(0)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "louage.settings")
application = get_wsgi_application()

# The URLs (and with them the API and every view module) loaded before the worker takes its
# first connection, not during its first request: a request sent to a new worker would wait
# half a second, more on a busy machine.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - loading is the point

# Page-view counts leave each server process from a background thread (louage.reporting).
from louage.reporting.visits import enable_background_flush  # noqa: E402

enable_background_flush()
