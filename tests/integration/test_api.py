"""The HTTP API over real HTTP against the real app and Postgres: who may call what (every role,
no token, unknown, expired, revoked, against every route), scopes that never leak through filters
or cursors, the case rule, and every read on the record before it is answered."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest

from auditlog.domain.model import Actor, AdminAction, Change
from auditlog.domain.settings import Settings
from auditlog.investigate.usecases.access import revoke_token
from auditlog.investigate.usecases.evidence import build_tree
from auditlog.ledger.access import ReadFilter
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.verify import verify
from tests.api_server import headers, make_token, serving
from tests.factories import append_events, event

HR = {"actor": "sys-hr-sync", "kind": "service"}
CASE = "INC-2017-11-02"
START = datetime(2017, 11, 2, 12, 0, tzinfo=UTC)


def _vendor_a(e: AdminAction) -> AdminAction:
    return replace(e, actor=Actor(e.actor.id, "contractor", org="vendor-a"))


def _story() -> list[AdminAction]:
    """Two vendors' contractors on the same accounts, interleaved in time, so every page mixes them."""
    story = [
        event("actor.onboard", "c-vb-07", "2017-03-01T09:00:00+00:00", **HR,
              changes=(Change("kind", None, "contractor"), Change("org", None, "vendor-b"))),
        event("actor.onboard", "c-va-02", "2017-03-01T09:00:00+00:00", **HR,
              changes=(Change("kind", None, "contractor"), Change("org", None, "vendor-a"))),
        event("account.create", "acct-1", "2012-02-21T09:00:00+00:00", "svc", "service"),
    ]
    for n in range(24):
        at = START + timedelta(minutes=7 * n)
        if n % 2:
            story.append(event("account.update", f"acct-{n % 3 + 1}", at, "c-vb-07", reason=f"vb {n}"))
        else:
            story.append(_vendor_a(event("account.update", f"acct-{n % 3 + 1}", at, "c-va-02", reason=f"va {n}")))
    story.append(event("account.deactivate", "acct-1", "2017-11-02T22:58:02+00:00", "c-vb-07", reason="user report"))
    return story


@pytest.fixture(scope="module")
def ledger(database_url: str) -> Iterator[Ledger]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        append_events(conn, _story())
    with Ledger(database_url) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def tokens(ledger: Ledger) -> dict[str, str | None]:
    revoked = make_token(ledger, "investigator")
    revoke_token(ledger, revoked.split(".")[0], "tests")
    with ledger.writing() as unit:  # an expired one: made with a negative lifetime, straight in the ledger
        unit.create_token("tok_expiredtoken1", "tok_expiredtoken1.0123456789abcdefghij", "investigator", [], -60,
                          "tests")
    return {
        "investigator": make_token(ledger, "investigator"), "oncall": make_token(ledger, "oncall"),
        "auditor": make_token(ledger, "auditor"), "admin": make_token(ledger, "admin"),
        "none": None, "unknown": "tok_unknowntoken1.0123456789abcdefghij", "malformed": "not-a-token",
        "expired": "tok_expiredtoken1.0123456789abcdefghij", "revoked": revoked,
    }


@pytest.fixture(scope="module")
def api(settings: Settings, ledger: Ledger) -> Iterator[httpx.Client]:
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


HISTORY = {
    "state": "/api/v1/accounts/acct-1/state?at=2017-11-03T00:00:00Z",
    "timeline": "/api/v1/accounts/acct-1/timeline?from=2017-11-02T00:00:00Z&to=2017-11-03T00:00:00Z",
    "diff": "/api/v1/accounts/acct-1/diff?t1=2017-11-02T00:00:00Z&t2=2017-11-03T00:00:00Z",
    "events": "/api/v1/events?limit=5",
    "actor": "/api/v1/actors/c-vb-07?on=2017-11-02&tz=UTC",
    "alerts": "/api/v1/alerts?severity=low",
}
OTHER = {"reads": "/api/v1/reads", "whoami": "/api/v1/whoami", "lag": "/api/v1/lag", "verify": "/api/v1/verify",
         "tokens": "/api/v1/tokens"}
ALLOWED = {
    "investigator": {*HISTORY, "whoami"},
    "oncall": {"whoami", "lag", "verify"},
    "auditor": {"whoami", "reads", "verify"},
    "admin": {"whoami", "tokens"},
}
WHO = ("investigator", "oncall", "auditor", "admin", "none", "unknown", "malformed", "expired", "revoked")


@pytest.mark.parametrize("route", [*HISTORY, *OTHER])
@pytest.mark.parametrize("who", WHO)
def test_the_authorization_matrix(api: httpx.Client, tokens: dict[str, str | None], who: str, route: str) -> None:
    answer = api.get({**HISTORY, **OTHER}[route], headers=headers(tokens[who], CASE))
    if who not in ALLOWED:
        assert answer.status_code == 401, answer.text
        assert answer.headers["www-authenticate"] == "Bearer"
        assert tokens[who] is None or tokens[who] not in answer.text  # never echoed
    elif route in ALLOWED[who]:
        assert answer.status_code == 200, answer.text
    else:
        assert answer.status_code == 403, answer.text
        assert answer.json()["detail"].startswith("this route is for")


def test_bodies_are_the_clis_json_shapes(api: httpx.Client, tokens: dict[str, str | None]) -> None:
    inv = headers(tokens["investigator"], CASE)
    state = api.get(HISTORY["state"], headers=inv).json()
    assert (state["account"], state["status"], state["exists"]) == ("acct-1", "deactivated", True)
    assert set(api.get(HISTORY["events"], headers=inv).json()) == {"events", "next"}
    assert api.get(HISTORY["timeline"], headers=inv).json()["intervals"][0]["status"] == "deactivated"
    assert {f["field"] for f in api.get(HISTORY["diff"], headers=inv).json()["fields"]} >= {"status"}
    assert api.get(HISTORY["actor"], headers=inv).json()["state"]["org"] == "vendor-b"
    unknown = api.get("/api/v1/accounts/acct-nobody/state?at=2017-11-03T00:00:00Z", headers=inv)
    assert unknown.status_code == 200 and unknown.json()["exists"] is False  # as the CLI answers it
    whoami = api.get("/api/v1/whoami", headers=headers(tokens["oncall"])).json()
    assert whoami["role"] == "oncall" and whoami["id"].startswith("tok_") and whoami["scopes"] == []


@pytest.mark.parametrize(("url", "reason"), [
    ("/api/v1/accounts/acct-1/state?at=2017-11-02T19:00", "no UTC offset"),
    ("/api/v1/accounts/acct-1/state?at=yesterday", "not an ISO-8601 time"),
    ("/api/v1/accounts/acct-1/state?at=2017-11-02T19:00&tz=Mars/Olympus", "unknown time zone"),
    ("/api/v1/accounts/acct-1/diff?t1=2017-11-03T00:00Z&t2=2017-11-02T00:00Z", "t1 must not be later than t2"),
    ("/api/v1/events?cursor=garbage", "cursor: 'garbage' is not a cursor"),
    ("/api/v1/actors/c-vb-07?on=2017-11-02", "pass tz"),
    ("/api/v1/events?acter=c-vb-07", "unknown query parameter 'acter'"),  # a misspelt filter never widens
])
def test_bad_input_is_a_400_with_a_one_line_reason(api: httpx.Client, tokens: dict[str, str | None], url: str,
                                                   reason: str) -> None:
    answer = api.get(url, headers=headers(tokens["investigator"], CASE))
    assert answer.status_code == 400, answer.text
    assert reason in answer.json()["detail"] and "\n" not in answer.json()["detail"]


def test_a_time_without_offset_is_read_in_tz(api: httpx.Client, tokens: dict[str, str | None]) -> None:
    answer = api.get("/api/v1/accounts/acct-1/state?at=2017-11-02T19:00&tz=America/New_York",
                     headers=headers(tokens["investigator"], CASE))
    assert answer.status_code == 200 and answer.json()["at"] == "2017-11-02T19:00:00-04:00"


def test_an_investigator_without_a_case_is_refused_and_nothing_is_read_or_recorded(
        api: httpx.Client, tokens: dict[str, str | None], ledger: Ledger) -> None:
    with ledger.reading() as unit:
        before = len(unit.reads(_all(), 10_000))
    answer = api.get(HISTORY["state"], headers=headers(tokens["investigator"]))
    assert answer.status_code == 428 and "X-Audit-Case" in answer.json()["detail"]
    assert "status" not in answer.text
    bad = api.get(HISTORY["state"], headers=headers(tokens["investigator"], "x" * 65))
    assert bad.status_code == 422
    with ledger.reading() as unit:
        assert len(unit.reads(_all(), 10_000)) == before


def _all():  # type: ignore[no-untyped-def]
    from auditlog.ledger.access import ReadFilter

    return ReadFilter()


def test_every_read_is_on_the_record_with_token_case_route_and_client(
        api: httpx.Client, tokens: dict[str, str | None], database_url: str, settings: Settings) -> None:
    case = "INC-record-1"
    api.get("/api/v1/events?actor=c-vb-07&limit=3", headers=headers(tokens["investigator"], case))
    page = api.get(f"/api/v1/reads?case={case}", headers=headers(tokens["auditor"])).json()
    (read,) = page["reads"]
    assert read["route"] == "GET /api/v1/events" and read["case"] == case and read["role"] == "investigator"
    assert read["params"] == {"actor": "c-vb-07", "limit": 3} and read["client"] == "127.0.0.1"
    assert read["token"] == tokens["investigator"].split(".")[0]  # type: ignore[union-attr]
    # the auditor's read of the reads log is on the record too
    mine = api.get("/api/v1/reads?limit=1", headers=headers(tokens["auditor"])).json()["reads"][0]
    assert mine["route"] == "GET /api/v1/reads" and mine["role"] == "auditor"
    built = build_tree(settings, until_idle=True)  # reads are leaves of the Merkle tree like every ledger row
    with psycopg.connect(database_url) as conn:
        report = verify(conn)  # ... and a ledger kind: chained and verified like every other row
        kinds = dict(conn.execute("SELECT kind, count(*) FROM tree_leaves GROUP BY kind").fetchall())
    assert report.ok, report.first_bad
    assert report.other_rows["read"] >= 2 and built.size > 0 and kinds["read"] >= 2


def test_a_read_that_cannot_be_recorded_is_not_answered(api: httpx.Client, tokens: dict[str, str | None],
                                                         database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("REVOKE INSERT ON reads FROM auditlog_reader")
        try:
            answer = api.get(HISTORY["events"], headers=headers(tokens["investigator"], CASE))
        finally:
            admin.execute("GRANT INSERT ON reads TO auditlog_reader")
    assert answer.status_code == 503, answer.text
    assert "could not be put on the record" in answer.json()["detail"]
    assert "c-vb-07" not in answer.text and "events" not in answer.json()
    assert api.get(HISTORY["events"], headers=headers(tokens["investigator"], CASE)).status_code == 200


def test_an_org_scope_never_leaks_another_vendors_events_on_any_page(api: httpx.Client, ledger: Ledger) -> None:
    vb = headers(make_token(ledger, "investigator", "org=vendor-b"), CASE)
    seen: list[dict] = []  # type: ignore[type-arg]
    params: dict[str, str | int] = {"limit": 2}
    while params:
        page = api.get("/api/v1/events", params=params, headers=vb).json()
        seen.extend(page["events"])
        params = {"limit": 2, "cursor": page["next"]} if page["next"] else {}
    assert len(seen) == 13 and {e["actor"]["org"] for e in seen} == {"vendor-b"}
    for sneaky in ("org=vendor-a", "actor=c-va-02", "actor_kind=service", "target=c-va-02"):
        assert api.get(f"/api/v1/events?{sneaky}", headers=vb).json()["events"] == [], sneaky
    on_acct = api.get("/api/v1/events?target=acct-1&limit=1000", headers=vb).json()["events"]
    assert on_acct and {e["actor"]["org"] for e in on_acct} == {"vendor-b"}
    # a cursor taken from an unscoped page, pointing into vendor-a's rows, still gives vendor-b's only
    everything = api.get("/api/v1/events?limit=3", headers=headers(make_token(ledger, "investigator"), CASE)).json()
    after = api.get("/api/v1/events", params={"cursor": everything["next"], "limit": 1000}, headers=vb).json()["events"]
    assert after and {e["actor"]["org"] for e in after} == {"vendor-b"}
    # state, timeline and diff fold everyone's events: not for an org scope; an actor of another org neither
    for route in ("state", "timeline", "diff"):
        assert api.get(HISTORY[route], headers=vb).status_code == 403, route
    assert api.get("/api/v1/actors/c-va-02", headers=vb).status_code == 403
    mine = api.get("/api/v1/actors/c-vb-07", headers=vb).json()
    assert mine["actions"] and {a["actor"]["org"] for a in mine["actions"]} == {"vendor-b"}


def test_an_account_scope_reads_that_account_only(api: httpx.Client, ledger: Ledger) -> None:
    one = headers(make_token(ledger, "investigator", "account=acct-1"), CASE)
    for route in ("state", "timeline", "diff"):
        assert api.get(HISTORY[route], headers=one).status_code == 200, route
    assert api.get("/api/v1/accounts/acct-2/state", headers=one).status_code == 403
    events = api.get("/api/v1/events?limit=1000", headers=one).json()["events"]
    assert events and {e["target"]["id"] for e in events} == {"acct-1"}
    assert api.get("/api/v1/events?target=acct-2", headers=one).json()["events"] == []


def test_known_at_reaches_every_history_answer(api: httpx.Client, tokens: dict[str, str | None]) -> None:
    inv = headers(tokens["investigator"], CASE)
    before_anything = "known_at=2000-01-01T00:00:00Z"
    assert api.get(f"/api/v1/events?{before_anything}", headers=inv).json()["events"] == []
    timeline = api.get(HISTORY["timeline"] + "&" + before_anything, headers=inv).json()
    assert timeline["events"] == [] and timeline["known_at"] == "2000-01-01T00:00:00+00:00"
    assert api.get(HISTORY["diff"] + "&" + before_anything, headers=inv).json()["fields"] == []
    assert api.get(HISTORY["actor"] + "&" + before_anything, headers=inv).json()["actions"] == []
    assert api.get(HISTORY["state"] + "&" + before_anything, headers=inv).json()["exists"] is False


def test_revocation_and_expiry_through_the_admin_routes(api: httpx.Client, tokens: dict[str, str | None]) -> None:
    admin = headers(tokens["admin"])
    made = api.post("/api/v1/tokens", json={"role": "oncall", "expires": "1h"}, headers=admin)
    assert made.status_code == 201, made.text
    token, token_id = made.json()["token"], made.json()["id"]
    assert api.get("/api/v1/whoami", headers=headers(token)).json()["id"] == token_id
    listed = api.get("/api/v1/tokens", headers=admin).json()["tokens"]
    assert token_id in {t["id"] for t in listed} and token not in str(listed)
    assert api.delete(f"/api/v1/tokens/{token_id}", headers=admin).json()["revoked"] is True
    refused = api.get("/api/v1/whoami", headers=headers(token))
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert api.post("/api/v1/tokens", json={"role": "root"}, headers=admin).status_code == 422
    assert api.post("/api/v1/tokens", json={"role": "oncall", "scopes": ["team=x"]}, headers=admin).status_code == 400


def test_the_openapi_document_and_the_docs_page_need_no_token(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    assert "/api/v1/events" in document["paths"] and "HTTPBearer" in document["components"]["securitySchemes"]
    docs = api.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text and "cdn" not in docs.text.lower()


def test_alerts_are_read_within_the_scope_and_on_the_record(api: httpx.Client, ledger: Ledger, settings: Settings,
                                                          database_url: str) -> None:
    from auditlog.consumers.detector import detect

    later = datetime(2017, 11, 5, 10, 0, tzinfo=UTC)
    with psycopg.connect(database_url, autocommit=True) as conn:  # both vendors touch a protected account
        append_events(conn, [
            event("account.protect", "acct-vip", later, "e-admin-01", "employee", ticket="SEC-1"),
            event("account.suspend", "acct-vip", later + timedelta(minutes=1), "c-vb-07"),
            _vendor_a(event("account.unprotect", "acct-vip", later + timedelta(minutes=2), "c-va-02")),
        ])
    detect(settings, until_idle=True)
    everyone = api.get("/api/v1/alerts", headers=headers(make_token(ledger, "investigator"), "CASE-ALERTS")).json()
    assert {a["actor_id"] for a in everyone["alerts"]} == {"c-vb-07", "c-va-02"}
    vb = api.get("/api/v1/alerts?target=acct-vip",
                 headers=headers(make_token(ledger, "investigator", "org=vendor-b"), "CASE-ALERTS")).json()
    assert vb["alerts"] and {a["actor_id"] for a in vb["alerts"]} == {"c-vb-07"}
    assert api.get("/api/v1/alerts?severity=urgent", headers=headers(make_token(ledger, "investigator"),
                                                                     "CASE-ALERTS")).status_code == 422
    with ledger.reading() as unit:
        recorded = [r for r in unit.reads(ReadFilter(case_id="CASE-ALERTS")) if r.route == "GET /api/v1/alerts"]
    assert len(recorded) == 2  # the refused severity was not read, so not recorded


def test_a_token_revoked_while_the_server_remembers_it_reads_nothing_more(
        api: httpx.Client, ledger: Ledger, database_url: str) -> None:
    """The server keeps a token it found valid for a while (no ledger lookup per request); the
    read's record checks the token again as it is appended, so a revocation stops the very next
    read, with nothing answered and nothing recorded."""
    token = make_token(ledger, "investigator")
    asked = {"case_id": "REVOKED-WHILE-KNOWN"}
    assert api.get(HISTORY["state"], headers=headers(token, asked["case_id"])).status_code == 200
    revoke_token(ledger, token.split(".")[0], "tests")
    for _ in range(2):  # the refusal makes the server forget it: the second is refused by the lookup
        refused = api.get(HISTORY["state"], headers=headers(token, asked["case_id"]))
        assert refused.status_code == 401, refused.text
        assert "revoked" in refused.json()["detail"] and refused.headers["www-authenticate"] == "Bearer"
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM reads WHERE case_id = %(case_id)s", asked).fetchone()
    assert row == (1,)  # the read before the revocation only
