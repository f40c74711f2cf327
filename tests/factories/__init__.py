"""factory_boy factories, one module per app, re-exported here."""

from tests.factories.portal import CitizenProfileFactory, UserFactory
from tests.factories.units import AgencyFactory, MembershipFactory, UnitFactory

__all__ = [
    "AgencyFactory",
    "CitizenProfileFactory",
    "MembershipFactory",
    "UnitFactory",
    "UserFactory",
]
