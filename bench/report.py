"""Shared output for benchmarks: print a figure table and write bench/out/NAME.json."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"


def report(name: str, figures: dict[str, Any]) -> None:
    OUT.mkdir(exist_ok=True)
    record = {"benchmark": name, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "machine": platform.machine(), "python": platform.python_version(), **figures}
    (OUT / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"== {name}")
    for key, value in figures.items():
        print(f"  {key:32} {value:,.3f}" if isinstance(value, float) else f"  {key:32} {value}")
