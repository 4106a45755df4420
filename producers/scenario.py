"""The incident day: a deterministic, realistic day of admin actions around the incident.

On 2017-11-02 (US Eastern), dozens of employees and contractors of two vendors
work through hundreds of accounts. A contractor on the last day of their
engagement deactivates a protected ("newsworthy") account at 18:58:02; an
employee restores it at 19:09:14. Accounts and actors get their back-story
(creation, protection, onboarding, roles) before the day, so every question
about the day can be answered from the events alone.

The generator keeps the accounts' state as it goes so that the actions make
sense (nobody reactivates an active account, nobody but the culprit touches a
protected account's status).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from auditlog.domain.model import Actor, AdminAction, Change, Source, Target

EASTERN = ZoneInfo("America/New_York")
DAY = datetime(2017, 11, 2, tzinfo=EASTERN)
INCIDENT_AT = datetime(2017, 11, 2, 18, 58, 2, tzinfo=EASTERN)
RESTORED_AT = datetime(2017, 11, 2, 19, 9, 14, tzinfo=EASTERN)
PROTECTED_ACCOUNT = "acct-hos-0001"
PROTECTED_HANDLE = "@headofstate"
CULPRIT = "c-vb-07"
RESTORER = "e-ts-03"

EMPLOYER = "socialco"


@dataclass(frozen=True)
class Incident:
    """What really happened: used by tests to check the ledger's answers, never by the demo."""

    account_id: str
    handle: str
    culprit_id: str
    deactivated_at: datetime
    restorer_id: str
    restored_at: datetime
    engagement_end: datetime


@dataclass(frozen=True)
class Scenario:
    events: tuple[AdminAction, ...]
    incident: Incident
    accounts: int
    actors: int


@dataclass
class _Account:
    id: str
    handle: str
    protected: bool = False
    status: str = "active"
    verified: bool = False


@dataclass
class _Generator:
    rng: random.Random
    events: list[AdminAction] = field(default_factory=list)

    def event_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def emit(self, at: datetime, actor: Actor, action: str, target: Target, **extra: object) -> AdminAction:
        event = AdminAction(
            event_id=self.event_id(),
            occurred_at=at.astimezone(UTC),
            actor=actor,
            action=action,
            target=target,
            source=Source(tool=_TOOL[actor.kind], request_id=f"req-{self.rng.getrandbits(48):012x}",
                          host=f"admin-{self.rng.randint(1, 8):02d}.internal"),
            **extra,  # type: ignore[arg-type]
        )
        self.events.append(event)
        return event


_TOOL = {"employee": "admin-console", "contractor": "support-desk", "service": "trust-bot",
         "system": "hr-sync"}


def build(seed: int = 20171102, accounts: int = 400, day_actions: int = 3000) -> Scenario:
    """The whole scenario, events sorted by event time."""
    gen = _Generator(random.Random(seed))
    employees, contractors, services = _actors(gen)
    hr = Actor("sys-hr-sync", "system", display_name="HR sync", org=EMPLOYER)
    staff = employees + contractors
    for actor in staff + services:
        _onboard(gen, hr, actor)
    book = _accounts(gen, employees, accounts)
    culprit = next(a for a in contractors if a.id == CULPRIT)
    restorer = next(a for a in employees if a.id == RESTORER)

    engagement_end = datetime.combine(DAY.date(), time(23, 59, 59), EASTERN)
    gen.emit(datetime.combine(DAY.date(), time(9, 0, 5), EASTERN), hr, "actor.offboard",
             Target("actor", culprit.id, culprit.display_name),
             reason="end of engagement (vendor-b contract)",
             changes=(Change("engagement_end", None, engagement_end.astimezone(UTC).isoformat()),))

    _working_day(gen, staff, services, book, day_actions)
    protected = book[PROTECTED_ACCOUNT]
    target = Target("account", protected.id, protected.handle)
    gen.emit(INCIDENT_AT, culprit, "account.deactivate", target, reason="user report")
    gen.emit(RESTORED_AT, restorer, "account.reactivate", target,
             reason="restore: deactivated without authorization", ticket="INC-2017-1102")

    events = tuple(sorted(gen.events, key=lambda e: e.occurred_at))
    incident = Incident(protected.id, protected.handle, culprit.id, INCIDENT_AT, restorer.id,
                        RESTORED_AT, engagement_end)
    return Scenario(events, incident, accounts=len(book), actors=len({e.actor.id for e in events}))


def _actors(gen: _Generator) -> tuple[list[Actor], list[Actor], list[Actor]]:
    teams = {"trust-safety": "ts", "support-ops": "so", "verification": "vf"}
    employees = [
        Actor(f"e-{code}-{n:02d}", "employee", display_name=f"Employee {code.upper()}{n:02d}",
              org=EMPLOYER, team=team, session_id=gen.event_id()[:8], source_ip=f"10.1.{i}.{n}")
        for i, (team, code) in enumerate(teams.items()) for n in range(1, 6)
    ]
    vendors = {"vendor-a": "va", "vendor-b": "vb"}
    contractors = [
        Actor(f"c-{code}-{n:02d}", "contractor", display_name=f"Contractor {code.upper()}{n:02d}",
              org=vendor, team="customer-support", session_id=gen.event_id()[:8],
              source_ip=f"172.16.{v}.{n}")
        for v, (vendor, code) in enumerate(vendors.items()) for n in range(1, 10)
    ]
    services = [Actor("svc-spam-filter", "service", display_name="Spam filter", org=EMPLOYER)]
    return employees, contractors, services


def _onboard(gen: _Generator, hr: Actor, actor: Actor) -> None:
    start = datetime(2017, 1, 1, tzinfo=UTC) + timedelta(days=gen.rng.randint(0, 250))
    target = Target("actor", actor.id, actor.display_name)
    gen.emit(start, hr, "actor.onboard", target,
             changes=(Change("kind", None, actor.kind), Change("org", None, actor.org)))
    role = {"employee": "admin", "contractor": "support-agent", "service": "automation"}[actor.kind]
    gen.emit(start + timedelta(minutes=5), hr, "actor.role_grant", target,
             changes=(Change("role", None, role),))


def _accounts(gen: _Generator, employees: list[Actor], count: int) -> dict[str, _Account]:
    book: dict[str, _Account] = {}
    registrar = Actor("svc-signup", "service", display_name="Signup service", org=EMPLOYER)
    newsworthy = [PROTECTED_ACCOUNT] + [f"acct-nw-{n:04d}" for n in range(2, 16)]
    ids = newsworthy + [f"acct-{n:05d}" for n in range(1, count - len(newsworthy) + 1)]
    for account_id in ids:
        handle = PROTECTED_HANDLE if account_id == PROTECTED_ACCOUNT else f"@{account_id.replace('-', '_')}"
        created = datetime(2009, 3, 1, tzinfo=UTC) + timedelta(
            seconds=gen.rng.randint(0, 8 * 365 * 86400))
        gen.emit(created, registrar, "account.create", Target("account", account_id, handle),
                 changes=(Change("email", None, f"{account_id}@mail.example"),))
        account = _Account(account_id, handle)
        if account_id in newsworthy:
            when = created + timedelta(days=gen.rng.randint(1, 60))
            gen.emit(when, gen.rng.choice(employees), "account.protect",
                     Target("account", account_id, handle), reason="newsworthy account")
            gen.emit(when + timedelta(hours=1), gen.rng.choice(employees), "account.verify",
                     Target("account", account_id, handle), reason="identity confirmed")
            account.protected = account.verified = True
        book[account_id] = account
    return book


# (action, weight) a support shift produces; protected accounts are off-limits for status changes
_CONTRACTOR_MIX = (("account.password_reset", 30), ("account.update", 25), ("content.delete", 20),
                   ("account.suspend", 10), ("account.unsuspend", 5), ("account.deactivate", 6),
                   ("account.reactivate", 4))
_EMPLOYEE_MIX = _CONTRACTOR_MIX + (("account.verify", 6), ("account.unverify", 2))


def _working_day(gen: _Generator, staff: list[Actor], services: list[Actor],
                 book: dict[str, _Account], count: int) -> None:
    shifts = {actor.id: _shift(gen.rng, actor) for actor in staff}
    ordinary = [a for a in book.values() if not a.protected]
    # outside every shift, two trust-and-safety employees are on call
    on_call = [a for a in staff if a.team == "trust-safety" and a.id != RESTORER][:2]
    moments = sorted(_moments(gen.rng, count))
    for at in moments:
        on_shift = [a for a in staff if shifts[a.id][0] <= at <= shifts[a.id][1]] or on_call
        actor = gen.rng.choice(on_shift + services)
        mix = _EMPLOYEE_MIX if actor.kind == "employee" else _CONTRACTOR_MIX
        action = _pick(gen.rng, mix)
        account = gen.rng.choice(ordinary if action not in ("account.update",) else list(book.values()))
        _act(gen, at, actor, action, account)


def _act(gen: _Generator, at: datetime, actor: Actor, action: str, account: _Account) -> None:
    target = Target("account", account.id, account.handle)
    rng = gen.rng
    if action == "content.delete":
        gen.emit(at, actor, action, Target("content", f"post-{rng.getrandbits(40):010x}", account.handle),
                 reason=rng.choice(("spam", "harassment report", "copyright claim")))
        return
    if action == "account.update":
        gen.emit(at, actor, action, target, reason="user request",
                 changes=(Change("email", None, f"{account.id}+{rng.randint(1, 99)}@mail.example"),))
        return
    wanted = {"account.suspend": ("active", "suspended"), "account.unsuspend": ("suspended", "active"),
              "account.deactivate": ("active", "deactivated"),
              "account.reactivate": ("deactivated", "active")}.get(action)
    if wanted is not None:
        if account.status != wanted[0]:
            action, wanted = "account.password_reset", None  # nothing to change: a routine reset instead
        else:
            account.status = wanted[1]
    if action in ("account.verify", "account.unverify"):
        account.verified = action == "account.verify"
    gen.emit(at, actor, action, target, reason=rng.choice(("user report", "user request", "spam wave",
                                                           "policy review")),
             ticket=f"SUP-{rng.randint(10000, 99999)}")


def _shift(rng: random.Random, actor: Actor) -> tuple[datetime, datetime]:
    if actor.id in (CULPRIT, RESTORER):  # both are at work at the hour of the incident
        return (datetime.combine(DAY.date(), time(11, 0), EASTERN),
                datetime.combine(DAY.date(), time(20, 0), EASTERN))
    start = datetime.combine(DAY.date(), time(rng.choice((7, 8, 9, 10, 12, 14)), 0), EASTERN)
    return start, start + timedelta(hours=8, minutes=30)


def _moments(rng: random.Random, count: int) -> Iterator[datetime]:
    day_start = DAY.astimezone(UTC)
    for _ in range(count):
        # busier in working hours: two overlapping bumps around 11:00 and 16:00 Eastern
        hour = min(max(rng.gauss(rng.choice((11.0, 16.0)), 3.0), 0.0), 23.99)
        yield day_start + timedelta(hours=hour, microseconds=rng.randint(0, 999_999))


def _pick(rng: random.Random, mix: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([a for a, _ in mix], weights=[w for _, w in mix])[0]
