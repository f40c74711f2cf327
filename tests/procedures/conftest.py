import pytest
from django.utils import translation


@pytest.fixture
def english():
    """For tests that match (English) message texts; Vietnamese is covered by its own tests."""
    with translation.override("en"):
        yield
