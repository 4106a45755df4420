"""`auditlog demo` prints the investigator's answers, read back from the ledger."""

import subprocess
import sys
from pathlib import Path

import pytest

from auditlog.investigate.times import show, span
from auditlog.producers.scenario import EASTERN, Scenario, build


@pytest.fixture(scope="module")
def truth() -> Scenario:
    return build()


def _demo(env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "auditlog.investigate.cli", "demo"], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def first_run(cli_env: dict[str, str], demo_dir: Path) -> str:
    return _demo(cli_env, demo_dir)


def test_demo_ingests_the_whole_day(first_run: str, truth: Scenario) -> None:
    assert f"ledger writer: {len(truth.events)} appended, 0 duplicates skipped, 0 rejected" in first_run


def test_demo_names_the_culprit_and_the_restore(first_run: str, truth: Scenario) -> None:
    incident = truth.incident
    answer = first_run.split("\n1. ", 1)[1].split("\n2. ", 1)[0]
    assert f"{incident.culprit_id} (contractor" in answer
    assert f"at {show(incident.deactivated_at, EASTERN)}" in answer
    assert "PROTECTED" in answer
    assert f"restored by {incident.restorer_id} (employee)" in answer
    assert f"down for {span(incident.restored_at - incident.deactivated_at)}" in answer


def test_demo_shows_the_state_at_the_three_moments(first_run: str) -> None:
    table = first_run.split("\n2. ", 1)[1].split("\n3. ", 1)[0].splitlines()
    rows = {line.split()[0]: line.split()[1:3] for line in table if line.startswith("2017-")}
    assert rows == {
        "2017-11-02T18:57:00-04:00": ["active", "yes"],
        "2017-11-02T19:00:00-04:00": ["deactivated", "yes"],
        "2017-11-02T19:10:00-04:00": ["active", "yes"],
    }


def test_demo_lists_everything_the_culprit_did_that_day(first_run: str, truth: Scenario) -> None:
    incident = truth.incident
    expected = [e for e in truth.events if e.actor.id == incident.culprit_id
                and e.occurred_at.astimezone(EASTERN).date() == incident.deactivated_at.date()]
    section = first_run.split("\n3. ", 1)[1]
    listed = [line for line in section.splitlines() if line.startswith("2017-") and incident.culprit_id in line]
    assert len(listed) == len(expected)
    assert f"{len(expected)} actions:" in section
    assert f"engagement ends {show(incident.engagement_end, EASTERN)}" in section


def test_running_the_demo_again_answers_without_emitting_twice(
    first_run: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    again = _demo(cli_env, tmp_path)
    assert "already holds the whole day" in again
    # sections 1 to 3; the 4th names the signing key, and this run (another directory) has its own
    assert again.split("\n1. ", 1)[1].split("\n4. ")[0] == first_run.split("\n1. ", 1)[1].split("\n4. ")[0]


def test_demo_leaves_a_signed_tree_that_proves_the_deactivation(first_run: str, cli_env: dict[str, str]) -> None:
    import json

    section = first_run.split("\n4. ", 1)[1]
    assert "transparency log of" in section and "the deactivation is leaf" in section
    event_id = section.split("auditlog prove ", 1)[1].split()[0]
    done = subprocess.run([sys.executable, "-m", "auditlog.investigate.cli", "prove", event_id, "--json"],
                          env=cli_env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["checkpoint"].startswith("auditlog.example.org/ledger\n")


def test_the_demos_suggested_bundle_commands_work_as_printed(first_run: str, cli_env: dict[str, str],
                                                             demo_dir: Path) -> None:
    # a new user pastes them after `make run`: the bundle must find the demo's key, and the
    # bundle must verify offline with the printed verifier key
    import os

    lines = first_run.split("\n4. ", 1)[1].splitlines()
    commands = [line.strip().removeprefix("try:").strip() for line in lines
                if "auditlog bundle " in line or "auditlog verify-bundle " in line]
    assert len(commands) == 2, lines
    env = {**cli_env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{cli_env.get('PATH', os.environ['PATH'])}"}
    for command in commands:
        done = subprocess.run(["bash", "-c", command], env=env, cwd=demo_dir, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, (command, done.stderr)
    assert (demo_dir / "hos.bundle.json").exists()
