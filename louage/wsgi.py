import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "louage.settings")
application = get_wsgi_application()

# Page-view counts leave each server process from a background thread (louage.reporting).
from louage.reporting.visits import enable_background_flush  # noqa: E402

enable_background_flush()
