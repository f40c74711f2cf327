import pytest

from units.models import Succession, Unit, UnitLevel, UnitRevision


@pytest.fixture
def empty_registry(db):
    """Start from an empty registry even when the session's `registry` fixture loaded it."""
    Succession.objects.all().delete()
    UnitRevision.objects.all().delete()
    for level in (UnitLevel.FORMER_DISTRICT, UnitLevel.COMMUNE, UnitLevel.PROVINCE):
        Unit.objects.filter(level=level).delete()
