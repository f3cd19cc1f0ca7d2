"""The command line (a contract, see DESIGN.md): parses arguments and hands off to one function.

Headless commands never import Qt; the wallboard's imports happen only when it starts.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="noc-board",
        description="NOC Board: a live wallboard of users, sales and health, with alarms.",
    )
    parser.add_argument("--config", type=Path, help="configuration file (TOML)")
    parser.add_argument(
        "--demo", action="store_true", help="start the built-in marketplace simulator and show it"
    )
    parser.add_argument("--fullscreen", action="store_true", help="frameless full screen")
    parser.add_argument("--screen", metavar="NAME", help="the screen to show the board on")
    parser.add_argument(
        "--smoke",
        type=float,
        metavar="SECONDS",
        help="run the window that long and exit 0 if nothing failed",
    )
    parser.add_argument(
        "--screenshot", type=Path, metavar="FILE",
        help="with --smoke: save a PNG; a folder (no extension) gets one PNG per page",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ERROR")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check-config", help="validate a configuration file")
    check.add_argument("file", type=Path)

    poll = sub.add_parser("poll", help="poll every source once and print metrics and health")
    poll.add_argument("--config", dest="poll_config", type=Path)
    poll.add_argument(
        "--demo",
        dest="poll_demo",
        action="store_true",
        help="poll the built-in simulator with the demo configuration",
    )
    poll.add_argument("--once", action="store_true", required=True)
    poll.add_argument("--json", action="store_true", required=True)

    secrets = sub.add_parser("secrets", help="manage the keyring entries the configuration names")
    secrets.add_argument("action", choices=("set", "delete", "list"))
    secrets.add_argument("name", nargs="?")
    secrets.add_argument("--config", dest="secrets_config", type=Path)

    replay = sub.add_parser(
        "replay",
        help="run the configured rules over a scenario or recorded series in simulated time; "
        "print the alarm events as JSON lines",
    )
    replay.add_argument("--config", dest="replay_config", type=Path)
    replay.add_argument("--scenario", type=Path, help="a scenario file (TOML)")
    replay.add_argument(
        "--series",
        nargs="+",
        action="extend",
        default=[],
        metavar="METRIC=CSV",
        help="recorded series: a configured metric id and a CSV with a timestamp,value header",
    )
    replay.add_argument(
        "--history",
        default="4w",
        help="with --scenario: how much simulated history precedes it (seasonal baselines "
        "read it); 0s starts from nothing, as a new board does",
    )
    replay.add_argument(
        "--store", dest="replay_store", type=Path, metavar="FILE",
        help="with --scenario: also write the replayed board (rollups of every metric over the "
        "history and the scenario, and the alarm journal) into this SQLite store, for reports",
    )

    report = sub.add_parser(
        "report",
        help="export a report (shift, incident, daily, weekly, monthly) as PDF, HTML or CSV",
    )
    report.add_argument("kind", choices=("shift", "incident", "daily", "weekly", "monthly"))
    report.add_argument(
        "--from", dest="report_from", metavar="T",
        help="start: ISO 8601 (2026-01-07, 2026-01-07T06:00), now, today, yesterday or "
        "relative like -8h; default: the kind's usual window (last shift, yesterday, ...)",
    )
    report.add_argument("--to", dest="report_to", metavar="T", help="end (same forms as --from)")
    report.add_argument("--out", dest="report_out", type=Path, metavar="FILE",
                        help="the file to write; .pdf, .html or .csv sets the format")
    report.add_argument("--config", dest="report_config", type=Path, metavar="FILE",
                        help="the configuration whose journal and metrics to read")
    report.add_argument("--incident", metavar="ID", help="for an incident report, e.g. INC-0001")
    report.add_argument("--demo", dest="report_demo", action="store_true",
                        help="read the demo board's journal")

    demo = sub.add_parser("demo-server", help="run only the marketplace simulator on loopback")
    demo.add_argument("--port", type=int, default=9464)
    return parser


def _default_config() -> Path:
    from noc_board.config.locations import default_config_path

    return default_config_path()


def _attach_relative_times(argv: Sequence[str]) -> list[str]:
    """`--from -8h` as `--from=-8h`: argparse takes a value starting with "-" for an option."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] in ("--from", "--to") and arg[:1] in "-+" and arg[1:2].isdigit():
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(_attach_relative_times(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # one line per HTTP request drowns what matters; the sources report failures themselves
    logging.getLogger("httpx").setLevel(logging.WARNING)
    match args.command:
        case "check-config":
            from noc_board.config.commands import check_config_command

            return check_config_command(args.file, sys.stdout, sys.stderr)
        case "poll":
            from noc_board.engine.poll_command import poll_command

            return poll_command(args.poll_config, args.poll_demo, sys.stdout, sys.stderr)
        case "secrets":
            from noc_board.config.commands import secrets_command
            from noc_board.config.secrets import SecretStore

            return secrets_command(
                args.action,
                args.name,
                args.secrets_config or args.config,
                SecretStore(),
                sys.stdin,
                sys.stdout,
                sys.stderr,
            )
        case "replay":
            from noc_board.engine.replay import replay_command

            return replay_command(
                args.replay_config or args.config,
                args.scenario,
                args.series,
                args.history,
                sys.stdout,
                sys.stderr,
                args.replay_store,
            )
        case "report":
            from noc_board.reports.commands import report_command

            return report_command(
                args.kind,
                args.report_from,
                args.report_to,
                args.report_out,
                args.report_config or args.config,
                args.incident,
                args.report_demo,
                sys.stdout,
                sys.stderr,
            )
        case "demo-server":
            from noc_board.demo.commands import demo_server_command

            return demo_server_command(args.port, sys.stdout)
    from noc_board.app import run_board

    return run_board(
        config_path=args.config,
        demo=args.demo,
        fullscreen=args.fullscreen,
        screen=args.screen,
        smoke=args.smoke,
        screenshot=args.screenshot,
    )
