"""People: the three bench accounts and the generated users in their roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from adcmeet.accounts.models import CONVENER, DEVELOPER, MANAGER, User
from adcmeet.meetings.loaddata.shape import BATCH, BENCH_PASSWORD, BENCH_USERS
from adcmeet.meetings.loaddata.vocabulary import (
    AFFILIATIONS,
    EXTERNAL_AFFILIATIONS,
    FIRST_NAMES,
    LAST_NAMES,
)

if TYPE_CHECKING:
    from adcmeet.meetings.loaddata.generator import Generator


def make_users(g: Generator) -> None:
    g.step(f"{g.sizes.users} users")
    rng = g.rng
    bench_hash = make_password(BENCH_PASSWORD)
    unusable = make_password(None)  # generated people sign in through SSO
    groups = {
        name: Group.objects.get_or_create(name=name)[0] for name in (CONVENER, DEVELOPER, MANAGER)
    }
    users: list[User] = []
    roles: list[str | None] = []
    for username, name, role in BENCH_USERS:
        first, last = name.split()
        users.append(
            User(
                username=username,
                name=name,
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                affiliation="CERN",
                password=bench_hash,
            )
        )
        roles.append(role)
    n_conveners = max(2, round(g.sizes.users * 0.02))
    n_managers = max(2, round(g.sizes.users * 0.05))
    n_external = max(1, round(g.sizes.users * 0.08))
    for index in range(g.sizes.users - len(BENCH_USERS)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        username = f"{first[0]}{last}".lower().replace(" ", "") + f"{index:03d}"
        if index < n_conveners:
            role = CONVENER
        elif index < n_conveners + n_managers:
            role = MANAGER
        elif index < n_conveners + n_managers + n_external:
            role = None
        else:
            role = DEVELOPER
        external = role is None
        users.append(
            User(
                username=username,
                name=f"{first} {last}",
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                affiliation=rng.choice(EXTERNAL_AFFILIATIONS if external else AFFILIATIONS),
                is_adc_member=not external,
                password=unusable,
            )
        )
        roles.append(role)
    users = User.objects.bulk_create(users, batch_size=BATCH)
    through = User.groups.through
    through.objects.bulk_create(
        [
            through(user_id=user.pk, group_id=groups[role].pk)
            for user, role in zip(users, roles, strict=True)
            if role
        ],
        batch_size=BATCH,
    )
    g.bench_convener, g.bench_developer, g.bench_manager = users[:3]
    g.conveners = [u for u, r in zip(users, roles, strict=True) if r == CONVENER]
    g.managers = [u for u, r in zip(users, roles, strict=True) if r == MANAGER]
    g.developers = [u for u, r in zip(users, roles, strict=True) if r == DEVELOPER]
    g.externals = [u for u, r in zip(users, roles, strict=True) if r is None]
    # People who present, own and act: everyone in a role except the bench accounts, whose
    # share of the data is set on purpose below.
    g.people = [u for u, r in zip(users[3:], roles[3:], strict=True) if r]
