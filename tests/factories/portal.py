import datetime as dt

import factory

from portal.models import CitizenProfile, IdentityLevel, User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Người dùng {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CitizenProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CitizenProfile

    user = factory.SubFactory(UserFactory)
    # 068 = born in (old) Lâm Đồng; 0 = male, 20th century; 90 = 1990.
    cccd = factory.Sequence(lambda n: f"06809{n:07d}")
    full_name = "Nguyễn Văn An"
    date_of_birth = dt.date(1990, 5, 12)
    identity_level = IdentityLevel.LEVEL_2
    vneid_verified = True
