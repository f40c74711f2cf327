"""Settings for the test suite: real PostgreSQL and Redis on 127.0.0.1, as in a deployment.

Values already in the environment win, so CI or a developer can point the suite elsewhere.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("EID_MOCK_ENABLED", "1")
os.environ.setdefault("NATIONAL_PORTAL_INBOUND_TOKENS", "test-national-portal-token")
# Production settings need the real national portal (portal/checks.py); nothing listens on port 9,
# and the sync tests point the portal at a stand-in process started with these credentials.
os.environ.setdefault("NATIONAL_PORTAL_URL", "http://127.0.0.1:9/")
os.environ.setdefault("NATIONAL_PORTAL_USERNAME", "test-portal")
os.environ.setdefault("NATIONAL_PORTAL_PASSWORD", "test-national-portal-password")
os.environ.setdefault("NATIONAL_PORTAL_STANDIN_TOKEN", "test-standin-control-token")
# The payment platform likewise (portal.E005); the payment tests start the stand-in gateway.
os.environ.setdefault("PAYMENT_GATEWAY_URL", "http://127.0.0.1:9/")
os.environ.setdefault("PAYMENT_GATEWAY_SECRET", "test-payment-gateway-secret")
os.environ.setdefault("PAYMENT_GATEWAY_STANDIN_TOKEN", "test-payment-standin-token")
# Transitions do not call the national portal unless a sync test turns it on.
os.environ.setdefault("SYNC_ENABLED", "0")
# Tasks run in-process at commit, as in embedded mode; the worker tests turn this off and
# start a real worker on the broker.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")


def _per_worker(url: str, worker: str) -> str:
    """Under pytest-xdist each worker process (gw0, gw1, ...) takes its own Redis databases, two
    below the previous worker's, as pytest-django gives it its own test database: caches,
    throttles and brokers never mix. Processes the tests start inherit them."""
    if not (worker.startswith("gw") and worker[2:].isdigit()) or worker == "gw0":
        return url
    base, _, db = url.rpartition("/")
    return f"{base}/{int(db or 0) - 2 * int(worker[2:])}"


# Once per worker: the marker names the worker whose URLs the environment already holds. The
# processes a test starts load these settings again and inherit both the worker's name and its
# URLs (same name: no second shift); the xdist workers inherit the controlling process's
# environment, which loaded these settings too, under no worker name (another name: shift).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if os.environ.get("PORTAL_TEST_WORKER_REDIS") != f"worker:{_worker}":
    for _name in ("REDIS_URL", "CELERY_BROKER_URL"):
        os.environ[_name] = _per_worker(os.environ[_name], _worker)
    os.environ["PORTAL_TEST_WORKER_REDIS"] = f"worker:{_worker}"

from portal.settings import *  # noqa: E402, F403

TESTING = True
# The suite runs with DEBUG off, as in production, yet signs citizens in with the mock e-ID
# (production settings can never turn it on: portal/settings.py).
EID_MOCK_ENABLED = env_bool("EID_MOCK_ENABLED", True)  # noqa: F405

# Fast hashing: the tests create many users; the algorithm is not what they test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files are collected only for deployment; tests use the finders.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
# Workers are checked by their own test with a real worker; other tests see only database/cache.
HEALTH_CHECK_WORKERS = False
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
