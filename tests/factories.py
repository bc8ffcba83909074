import factory
from allauth.account.models import EmailAddress

from louage.accounts.models import Role, User

PASSWORD = "Tr0ub4dor&3-louage"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.tn")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    phone = factory.Sequence(lambda n: f"+2169{n % 10000000:07d}")
    role = Role.CLIENT

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"primary": True, "verified": True}
            )


class ClientFactory(UserFactory):
    role = Role.CLIENT


class ChiefFactory(UserFactory):
    role = Role.CHIEF


class AdminFactory(UserFactory):
    role = Role.ADMIN
