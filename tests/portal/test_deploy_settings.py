"""Production settings: `check --deploy` is clean and the security headers go out."""

import os
import subprocess
import sys

from django.conf import settings


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DEBUG", "SECURE_", "STAFF_OTP", "DJANGO_SETTINGS"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "0",
            "SECRET_KEY": "p" * 20
            + "-production-secret-key-of-sufficient-length-and-variety-9f8e7d",
            "ALLOWED_HOSTS": "dichvucong.example.gov.vn",
            "VAR_DIR": str(tmp_path),
        }
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_pages_send_csp_and_security_headers(client, db):
    response = client.get("/")

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
