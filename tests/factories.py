"""factory-boy factories for the domain. Defaults make a valid, minimal row."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from campaign import models, roles


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.example.org")
    password = factory.django.Password("correct-horse-battery-staple")
    is_staff = True

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class CoordinatorFactory(UserFactory):
    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=extracted or roles.COORDINATOR))


class ViewerFactory(UserFactory):
    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=extracted or roles.VIEWER))


class DecisionBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DecisionBody

    name = factory.Sequence(lambda n: f"Board of Commissioners {n}")
    jurisdiction = "Pine County"
    seats = 7


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.District
        skip_postgeneration_save = True

    body = factory.SubFactory(DecisionBodyFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda d: f"District {d.number}")

    @factory.post_generation
    def zips(self, create, extracted, **kwargs):
        if create and extracted:
            for zip_code in extracted:
                models.DistrictZip.objects.create(district=self, zip_code=zip_code)


class CouncilMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CouncilMember

    district = factory.SubFactory(DistrictFactory)
    body = factory.LazyAttribute(lambda m: m.district.body if m.district else DecisionBodyFactory())
    name = factory.Faker("name")
    title = "Commissioner"
    email = factory.Sequence(lambda n: f"commissioner{n}@county.example.gov")
    phone = "+16125550100"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    decision_body = factory.SubFactory(DecisionBodyFactory)
    goal = "Pass an ordinance banning alcohol in county parks."
    status = models.CampaignStatus.ACTIVE
    is_public = True
    call_script = "Hello {member_name}, my name is {supporter_name}."
    letter_subject = "Please support alcohol-free parks"
    letter_template = "Dear {member_name}, ... Sincerely, {supporter_name}"


class HearingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Hearing

    campaign = factory.SubFactory(CampaignFactory)
    title = "Public hearing on the parks ordinance"
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=42))
    location_name = "County Government Center, Board Room"
    address = "315 Main St, Pine City, MN 55063"


class SupporterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Supporter

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"supporter{n}@example.org")
    zip_code = "55063"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Action
        skip_postgeneration_save = True

    supporter = factory.SubFactory(SupporterFactory)
    campaign = factory.SubFactory(CampaignFactory)
    kind = models.ActionKind.CALL
    status = models.ActionStatus.PLEDGED
    completed_at = factory.LazyAttribute(
        lambda a: timezone.now() if a.status == models.ActionStatus.COMPLETED else None
    )

    @factory.post_generation
    def joins_base(self, create, extracted, **kwargs):
        # An action makes its supporter a member of the campaign's base (the
        # intake core writes both); `joins_base=False` leaves the action alone,
        # as stored before memberships existed.
        if create and extracted is not False:
            models.Membership.objects.get_or_create(
                campaign_id=self.campaign_id,
                supporter_id=self.supporter_id,
                defaults={"source": self.source, "joined_at": self.created_at},
            )


class StanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Stance

    campaign = factory.SubFactory(CampaignFactory)
    member = factory.SubFactory(
        CouncilMemberFactory,
        district__body=factory.SelfAttribute("...campaign.decision_body"),
    )
    position = models.Position.UNDECIDED
