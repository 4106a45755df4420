"""``auditlog replay``'s numbers are refused before anything is read or sent: --rate and --timeout
take a finite number above 0 (Python's float() would also take 'nan' and 'inf')."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

AUDITLOG = os.path.join(os.path.dirname(sys.executable), "auditlog")


@pytest.mark.parametrize(("flag", "value", "unit"), [
    ("--rate", "0", "events per second"), ("--rate", "-5", "events per second"),
    ("--rate", "nan", "events per second"), ("--rate", "fast", "events per second"),
    ("--timeout", "inf", "seconds"), ("--timeout", "NaN", "seconds"), ("--timeout", "0", "seconds"),
])
def test_a_number_that_is_not_above_zero_and_finite_is_refused_with_its_reason(flag: str, value: str,
                                                                                unit: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
    done = subprocess.run([AUDITLOG, "replay", "--to-topic", "copy", flag, value], capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == 2
    assert f"{value!r} is not a number of {unit} above 0" in done.stderr
