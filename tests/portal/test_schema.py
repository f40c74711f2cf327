"""The OpenAPI schema is valid and generates without a warning (every endpoint documented)."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_schema_validates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for path in ("/api/v1/queues/{name}/:", "/api/v1/dossiers/{code}/receive/:"):
        assert path in schema
