"""Fuzzing the API from its own OpenAPI document (schemathesis): valid and invalid requests to every
/api/v1 route, with a token of the role each route admits. No input gives a 500 (or any 5xx), and
no request the schema refuses is answered 2xx. Bounded (AUDITLOG_API_FUZZ_EXAMPLES per route and
mode, default 15) so it runs in well under a minute."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import negative_data_rejection

from auditlog.domain.settings import Settings
from auditlog.investigate.api.app import create_app
from auditlog.ledger.gateway import Ledger
from tests.api_server import make_token, serving
from tests.factories import append_events, event

EXAMPLES = int(os.environ.get("AUDITLOG_API_FUZZ_EXAMPLES", "15"))
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings(None, None)).openapi()).include(path_regex="^/api/")
SCHEMA.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES,
                                deterministic=True, database="none", with_security_parameters=False)
ROLE_OF = {"/api/v1/reads": "auditor", "/api/v1/lag": "oncall", "/api/v1/verify": "oncall",
           "/api/v1/tokens": "admin", "/api/v1/tokens/{token_id}": "admin", "/api/v1/whoami": "oncall"}


@pytest.fixture(scope="module")
def served(settings: Settings, database_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        append_events(conn, [event("account.deactivate", "acct-1", "2017-11-02T22:58:02+00:00", "c-vb-07"),
                             event("account.reactivate", "acct-1", "2017-11-02T23:09:14+00:00", "e-1", "employee")])
    with Ledger(database_url) as ledger:
        tokens = {role: make_token(ledger, role) for role in ("investigator", "oncall", "auditor", "admin")}
    with serving(settings) as base:
        yield base, tokens


@SCHEMA.parametrize()
def test_no_input_gives_a_server_error_and_no_refused_input_a_2xx(case: schemathesis.Case,
                                                                 served: tuple[str, dict[str, str]]) -> None:
    base, tokens = served
    headers = {"Authorization": f"Bearer {tokens[ROLE_OF.get(case.path, 'investigator')]}"}
    if not any(name.lower() == "x-audit-case" for name in (case.headers or {})):
        headers["X-Audit-Case"] = "FUZZ-1"
    case.call_and_validate(base_url=base, headers=headers, checks=[not_a_server_error, negative_data_rejection])
