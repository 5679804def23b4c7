"""The WSGI application gunicorn serves during the load test: the site plus the floor views
(bench/urls.py) on the bench database, which the parent process names in DATABASE_URL."""

import os
import warnings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot_admin.settings")
warnings.filterwarnings("ignore", message="No directory at")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
settings.ROOT_URLCONF = "bench.urls"
