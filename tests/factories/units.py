import factory

from units.models import LEVEL_OF_TYPE, Agency, AgencyKind, Membership, Role, Unit, UnitType
from units.text import fold


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{90000 + n:05d}")
    name = factory.Sequence(lambda n: f"Xã Thử Nghiệm {n}")
    type = UnitType.COMMUNE
    level = factory.LazyAttribute(lambda o: LEVEL_OF_TYPE[o.type])
    search_name = factory.LazyAttribute(lambda o: fold(o.name))


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    # "999." is no commune's prefix and no demo agency's: factory agencies never collide with the
    # committed demo (portal/demo.py), whatever order the tests run in.
    identifier = factory.Sequence(lambda n: f"999.{n // 100 % 100:02d}.{n % 100:02d}.H68")
    name = factory.Sequence(lambda n: f"Ủy ban nhân dân thử nghiệm {n}")
    unit = factory.SubFactory(UnitFactory)
    kind = AgencyKind.COMMUNE_COMMITTEE
    search_name = factory.LazyAttribute(lambda o: fold(o.name))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory("tests.factories.portal.UserFactory")
    agency = factory.SubFactory(AgencyFactory)
    role = Role.RECEIVER
