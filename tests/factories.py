import factory
from django.utils import timezone

from pilot_admin.choices import Role
from pilot_admin.models import User
from tasks.choices import DepartmentKind
from tasks.models import Department
from villages.choices import PilotLevel, PilotStatus
from villages.models import County, PilotAssignment, PilotProgram, Township, Village, VillageIndicator

PASSWORD = "Correct-horse-7"


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("province", "name")

    name = "巴东县"
    province = "湖北省"
    prefecture = "恩施土家族苗族自治州"
    admin_code = "422823"


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township

    county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"测试{n}镇")
    # 200–999: clear of the persona townships' codes (101, 104) in tests/conftest.py.
    code = factory.Sequence(lambda n: f"422823{200 + n % 800:03d}")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"测试{n}村")
    households = 300
    population = 1100
    resident_population = 800


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    county = factory.SubFactory(CountyFactory)
    key = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"县测试局{n}")
    kind = DepartmentKind.GOVERNMENT


class PilotProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PilotProgram

    county = factory.SubFactory(CountyFactory)
    code = factory.Sequence(lambda n: f"program-{n}")
    name = "巴东县“十三五”农村社区建设试点"
    start_year = 2016
    end_year = 2020
    cumulative_by_year = 2020


class PilotAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PilotAssignment

    program = factory.SubFactory(PilotProgramFactory)
    village = factory.SubFactory(VillageFactory)
    year = 2017
    level = PilotLevel.COUNTY
    status = PilotStatus.APPROVED


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.COUNTY_VIEWER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class VillageIndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VillageIndicator

    village = factory.SubFactory(VillageFactory)
    year = 2017
    reported_by = factory.SubFactory(UserFactory)
    reported_at = factory.LazyFunction(timezone.now)
