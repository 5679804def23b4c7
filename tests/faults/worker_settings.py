"""Settings of the Celery workers the fault tests start: the test settings, with e-mail written
to files in PILOT_ADMIN_TEST_MAIL_DIR, so the test can count every digest a killed worker and
its successor sent."""

import os

from tests.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["PILOT_ADMIN_TEST_MAIL_DIR"]
