"""Test settings: the production settings with a throwaway key, fast hashing and a private
media folder. DATABASE_URL and REDIS_URL still come from the environment (CI sets both)."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-for-the-suite")
# The test client and the live server speak plain HTTP; production's HTTPS defaults are tested in
# tests/pilot_admin/test_auth_headers.py with the production settings module.
os.environ.setdefault("DJANGO_HTTPS", "0")

from pilot_admin.settings import *  # noqa: E402,F403

# Fixed keys, as a deployment has: generated once for the suite and used nowhere else. Tests of
# rotation and of a missing key override them.
PERSONAL_DATA_KEYS = ["LTx_2Sum3aeuTgQWKNNbYaYgovG2LCFX_X0Nonl94sg="]
PERSONAL_DATA_INDEX_KEY = "REEfOm_XN0qr9z0WcWpFpMkV_-ese7BNPgNOuObM5yY="

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A private folder per test process; a Celery worker started by a test is handed the same one.
MEDIA_ROOT = os.environ.get("PILOT_ADMIN_TEST_MEDIA_ROOT") or tempfile.mkdtemp(prefix="pilot-admin-test-media-")
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# A process-local cache: the cached statistics (pilot_admin.stats_cache) of one test run, or of
# another engineer's run on the same Redis, must never answer for this run's database.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
WHITENOISE_AUTOREFRESH = True

# Live-server threads and worker subprocesses must not keep sessions open on the test database,
# or it cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# On SQLite each test process keeps its test database in memory, as Django does by default;
# said here because pytest-django's xdist support recognises SQLite by Django's engine name
# only, not ours (pilot_admin.sqlite), and would otherwise name a file per worker.
if DATABASES["default"]["ENGINE"] == "pilot_admin.sqlite":  # noqa: F405
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")  # noqa: F405

# About a hundred tests sign the county admin in with force_login, which gives no second factor;
# tests/pilot_admin/test_auth_two_factor.py turns the requirement back on and proves the flow.
PILOT_ADMIN_REQUIRE_2FA = False
