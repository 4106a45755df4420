"""Fixtures of the fault tests: a signing key and a workdir per module, and a fresh Run per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditlog.ledger.keys import init_key
from tests.faults.harness import Run


@pytest.fixture(scope="module")
def fault_env(cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    keys = tmp_path_factory.mktemp("fault-keys")
    init_key(keys / "ledger.key")
    return cli_env | {
        "AUDITLOG_SIGNING_KEY": str(keys / "ledger.key"),
        "AUDITLOG_CHECKPOINT_EXPORT": str(keys / "checkpoints.jsonl"),
        "AUDITLOG_CHECKPOINT_EVERY": "3000",  # several checkpoints per run, some cut short by the faults
    }


@pytest.fixture
def run(database_url: str, settings: object, fault_env: dict[str, str], tmp_path: Path) -> Run:
    from auditlog.domain.settings import Settings

    assert isinstance(settings, Settings) and settings.bootstrap_servers
    return Run(database_url, settings.bootstrap_servers, fault_env, tmp_path)
