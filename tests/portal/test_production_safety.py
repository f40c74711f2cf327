"""Development-only parts never reach production (portal/checks.py, portal/wsgi.py).

With DEBUG off the portal refuses to start without the real national portal's address and
credentials, the stand-in national portal answers nowhere, and the mock e-ID cannot be turned on.
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from sync.standin import embedded_view

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "DEBUG": "0",
    "SECRET_KEY": "a-production-like-secret-key-of-enough-length-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "portal.example.vn",
}
NATIONAL = {
    "NATIONAL_PORTAL_URL": "https://dvcqg.example.vn/",
    "NATIONAL_PORTAL_USERNAME": "tinh-68",
    "NATIONAL_PORTAL_PASSWORD": "issued-by-the-national-portal",
}
# The suite's own settings set these; a production environment starts without them.
DROPPED = (
    "NATIONAL_PORTAL_URL", "NATIONAL_PORTAL_USERNAME", "NATIONAL_PORTAL_PASSWORD",
    "NATIONAL_PORTAL_STANDIN_TOKEN", "EID_MOCK_ENABLED", "DEBUG", "DJANGO_SETTINGS_MODULE",
)  # fmt: skip


def run(args: list[str], tmp_path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env.update(PRODUCTION, VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    env.update(extra)
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_fails_without_the_national_portal_url_and_names_it(tmp_path):
    result = run(["manage.py", "check", "--deploy"], tmp_path)

    assert result.returncode != 0
    assert "portal.E001" in result.stderr
    assert "NATIONAL_PORTAL_URL is not set" in result.stderr


def test_migrate_fails_too_without_the_national_portal_url(tmp_path):
    result = run(["manage.py", "migrate", "--noinput"], tmp_path)

    assert result.returncode != 0
    assert "NATIONAL_PORTAL_URL" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists() or "Applying" not in result.stdout


def test_the_default_stand_in_credentials_are_refused(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy"],
        tmp_path,
        NATIONAL_PORTAL_URL="https://dvcqg.example.vn/",
    )

    assert result.returncode != 0
    assert "portal.E002" in result.stderr
    assert "portal.E001" not in result.stderr


def test_with_the_real_portal_configured_the_checks_pass(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "ERROR"], tmp_path, **NATIONAL)

    assert result.returncode == 0, result.stderr
    assert "portal.E00" not in result.stderr


def test_gunicorn_s_entry_point_refuses_to_start_without_the_national_portal(tmp_path):
    refused = run(["-c", "import portal.wsgi"], tmp_path)
    started = run(["-c", "import portal.wsgi; print('served')"], tmp_path, **NATIONAL)

    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and "NATIONAL_PORTAL_URL" in refused.stderr
    assert started.returncode == 0 and started.stdout.strip() == "served", started.stderr


def test_in_production_no_stand_in_path_is_mounted_and_the_mock_e_id_stays_off(tmp_path):
    probe = (
        "import django, json; django.setup();"
        "from django.conf import settings; from django.urls import resolve, Resolver404;"
        "paths = ['/_standin/national/_state', '/_standin/national/_reset',"
        " '/_standin/national/api/token'];"
        "def found(p):\n try:\n  resolve(p); return True\n except Resolver404:\n  return False\n"
    )
    probe = probe.replace(";def", "\ndef") + (
        "print(json.dumps([[found(p) for p in paths], settings.NATIONAL_PORTAL_STANDIN,"
        " settings.EID_MOCK_ENABLED]))"
    )
    result = run(["-c", probe], tmp_path, EID_MOCK_ENABLED="1", **NATIONAL)

    found, standin, mock = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == [False, False, False], result.stderr
    assert (standin, mock) == (False, False)


def test_in_development_the_stand_in_is_mounted_but_its_controls_need_its_token(tmp_path):
    probe = (
        "import django, json; django.setup();"
        "from django.conf import settings; from django.test import Client;"
        "c = Client();"
        "a = c.get('/_standin/national/_state').status_code;"
        "b = c.get('/_standin/national/_state',"
        " headers={'X-Standin-Token': settings.NATIONAL_PORTAL_STANDIN_TOKEN}).status_code;"
        "print(json.dumps([a, b]))"
    )
    result = run(["-c", probe], tmp_path, DEBUG="1", ALLOWED_HOSTS="testserver")

    assert json.loads(result.stdout.strip().splitlines()[-1]) == [403, 200], result.stderr


def test_the_embedded_view_refuses_controls_without_the_token(rf, settings):
    settings.NATIONAL_PORTAL_STANDIN = True
    refused = embedded_view(rf.post("/_standin/national/_reset"), "_reset")
    allowed = embedded_view(
        rf.get("/_standin/national/_state", HTTP_X_STANDIN_TOKEN="test-standin-control-token"),
        "_state",
    )

    assert refused.status_code == 403
    assert allowed.status_code == 200


@pytest.mark.parametrize("path", ["/_standin/national/_state", "/_standin/national/api/token"])
def test_the_suite_s_own_server_mounts_no_stand_in(client, path):
    assert client.get(path).status_code == 404


def test_commands_that_write_code_need_no_national_portal(tmp_path):
    result = run(["manage.py", "makemigrations", "--check", "--dry-run"], tmp_path)

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
