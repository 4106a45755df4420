"""`auditlog emit --file`: good lines are sent, bad lines named, exit 2 when any was refused."""

import json
import subprocess
import sys
from pathlib import Path

GOOD = {"actor": {"id": "c-17", "kind": "contractor", "org": "vendor-b"}, "action": "account.deactivate",
        "target": {"type": "account", "id": "acct-bulk"}, "occurred_at": "2017-11-02T22:58:02Z",
        "reason": "user report"}


def auditlog(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditlog.investigate.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


def test_bulk_emit_sends_good_lines_and_names_bad_ones(cli_env: dict[str, str], tmp_path: Path) -> None:
    lines = []
    for n in range(200):
        lines.append(json.dumps({**GOOD, "target": {"type": "account", "id": f"acct-bulk-{n % 20}"}}))
    lines.insert(10, "{not json")
    lines.insert(50, json.dumps({**GOOD, "actor": {"id": "x", "kind": "intern"}}))
    lines.insert(120, "")  # blank lines are fine
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")

    assert auditlog(cli_env, tmp_path, "db", "migrate").returncode == 0
    done = auditlog(cli_env, tmp_path, "emit", "--file", str(path))
    assert done.returncode == 2
    assert "emitted 200 events" in done.stdout and "2 lines refused" in done.stdout
    assert f"{path}:11: not JSON" in done.stderr
    assert f"{path}:51: actor.kind" in done.stderr

    ingest = auditlog(cli_env, tmp_path, "ingest", "--until-idle")
    assert ingest.returncode == 0 and ingest.stdout.startswith("ingested 200 events")
    who = json.loads(auditlog(cli_env, tmp_path, "who", "--actor", "c-17", "--limit", "500", "--json").stdout)
    assert len(who["events"]) == 200


def test_bulk_emit_refuses_mixing_file_and_flags(cli_env: dict[str, str], tmp_path: Path) -> None:
    done = auditlog(cli_env, tmp_path, "emit", "--file", "x.jsonl", "--actor", "a")
    assert done.returncode == 2 and "cannot be combined with --actor" in done.stderr
    missing = auditlog(cli_env, tmp_path, "emit", "--file", str(tmp_path / "absent.jsonl"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
