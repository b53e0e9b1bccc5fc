"""factory_boy factories: the smallest valid objects, with readable defaults."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from knox.models import AuthToken

from sessions.models import Moderator, Municipality, Politician, Post, Session


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"citizen{n}")
    first_name = factory.Sequence(lambda n: f"Citizen {n}")
    password = factory.django.Password("demo-password-123")


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("slug",)

    name = "Roskilde Kommune"
    slug = "roskilde"


class PoliticianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Politician

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Politician {n}")
    party = "Socialdemokratiet"
    role = "Byrådsmedlem"


class SessionFactory(factory.django.DjangoModelFactory):
    """A session live now for an hour."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    title = "Digital spørgetime"
    description = "Spørg borgmesteren."
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=10))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=1))

    @factory.post_generation
    def politicians(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.politicians.set(extracted)


class PostFactory(factory.django.DjangoModelFactory):
    """A published question; pass parent= for a reply."""

    class Meta:
        model = Post

    session = factory.SubFactory(SessionFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Question number {n}?")
    created_at = factory.LazyFunction(timezone.now)


class ModeratorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Moderator

    municipality = factory.SubFactory(MunicipalityFactory)
    user = factory.SubFactory(UserFactory)


class ReplyFactory(PostFactory):
    """A published reply in a question's thread, in the question's session."""

    parent = factory.SubFactory(PostFactory)
    session = factory.LazyAttribute(lambda reply: reply.parent.session)
    body = factory.Sequence(lambda n: f"Reply number {n}.")


def api_token(user) -> str:
    """A fresh API token of the user, as POST /api/auth/token/ would give it (stored hashed)."""
    return AuthToken.objects.create(user=user)[1]
