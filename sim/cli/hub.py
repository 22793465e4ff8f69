"""``itpm-sim hub``: run a class or a panel day on one server with JupyterHub (``./kit hub`` calls it).

Every subcommand runs as root: the hub starts each user's server under that user's own system account, and
only root can make accounts and read private homes.  The state folder (``--state``, default
``/var/lib/itpm-hub`` or $ITPM_HUB_STATE) holds the roster, the login codes, the hub's database and the audit
log, and is root's alone (mode 0700).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import getpass
import os
import socket
import sys
from pathlib import Path

from .common import UsageError, bounded, workers_type

DEFAULT_STATE = "/var/lib/itpm-hub"
DEFAULT_HOMES = "/home"


def _state(args: argparse.Namespace, create: bool = False) -> Path:
    state = Path(args.state).resolve()
    if create:
        state.mkdir(mode=0o700, parents=True, exist_ok=True)
    elif not state.is_dir():
        raise UsageError(f"no hub state folder at {state} (expected one made by `./kit hub adduser`, or give --state)")
    if state.stat().st_uid != 0 or state.stat().st_mode & 0o077:
        raise UsageError(f"{state} must be root's alone (got owner uid {state.stat().st_uid}, mode "
                         f"{state.stat().st_mode & 0o777:o}; expected owner root, mode 700)")
    return state


def _root(command: str) -> None:
    if os.geteuid() != 0:
        raise UsageError(f"run `{command}` as root (sudo ./kit hub ...): the hub runs each user's server under "
                         "their own system account, which only root can do")


@contextlib.contextmanager
def _locked(state: Path):
    """One change to the roster at a time."""
    with open(state / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _actor() -> str:
    return os.environ.get("SUDO_USER") or getpass.getuser()


def adduser(args: argparse.Namespace) -> int:
    from sim.hub.accounts import AccountError, create_account, usable_by
    from sim.hub.codes import ensure_codes
    from sim.hub.collect import audit
    from sim.hub.roster import (
        ACCOUNT_PREFIX,
        RosterError,
        check_name,
        read_roster,
        with_member,
        write_roster,
    )

    _root("hub adduser")
    state = _state(args, create=True)
    try:
        for name in args.names:
            check_name(name)
    except RosterError as exc:
        raise UsageError(str(exc)) from None
    homes = Path(args.homes).resolve()
    for name in args.names:
        with _locked(state):
            try:
                roster = read_roster(state)
                account = ACCOUNT_PREFIX + name
                roster = with_member(roster, name, args.role, account)
                create_account(account, homes / account, f"ITPM Sim hub {args.role} {name}")
            except (RosterError, AccountError) as exc:
                raise UsageError(str(exc)) from None
            write_roster(state, roster)
            audit(state, {"action": "adduser", "by": _actor(), "user": name, "role": args.role, "account": account})
        why = usable_by(account)
        if why:
            print(f"itpm-sim hub adduser: warning: {account} cannot run the kit ({why}); the kit's folder and its "
                  ".venv must be readable by other accounts (install it under /opt or /srv, not /root)", file=sys.stderr)
        print(f"added {args.role} {name} (system account {account}, home {homes / account}, mode 700)")
    codes = ensure_codes(state)
    if args.role == "instructor":
        print(f"instructors log in with their name and the instructor code: {codes.instructor_code}")
    else:
        print(f"students log in with their name and the class code: {codes.class_code}")
    return 0


def deluser(args: argparse.Namespace) -> int:
    from sim.hub.accounts import delete_account, lock_account
    from sim.hub.collect import audit, collect
    from sim.hub.roster import RosterError, read_roster, without_member, write_roster

    _root("hub deluser")
    state = _state(args)
    with _locked(state):
        try:
            roster = read_roster(state)
            write_roster(state, without_member(roster, args.name))  # RosterError for a name not on it
            member = roster.users[args.name]
        except RosterError as exc:
            raise UsageError(str(exc)) from None
    if args.purge:
        kept = collect(state, None, state / "removed", _actor(), only=[args.name], roster=roster)
        delete_account(member.account)
        print(f"removed {args.name}: {kept.count} log file(s) kept in {kept.folder}; account and home deleted")
    else:
        lock_account(member.account)
        print(f"removed {args.name} from the roster and locked {member.account}; the home folder is kept "
              "(--purge deletes it after keeping the logs)")
    audit(state, {"action": "deluser", "by": _actor(), "user": args.name, "purge": args.purge})
    return 0


def users(args: argparse.Namespace) -> int:
    from sim.hub.roster import read_roster

    _root("hub users")
    roster = read_roster(_state(args))
    for name, member in sorted(roster.users.items()):
        print(f"{name:28} {member.role:11} {member.account:32} added {member.added:%Y-%m-%d %H:%M}")
    if not roster.users:
        print("no users yet: add them with `./kit hub adduser NAME... [--role trainee|candidate|instructor]`")
    return 0


def codes(args: argparse.Namespace) -> int:
    from sim.hub.codes import ensure_codes

    _root("hub codes")
    found = ensure_codes(_state(args, create=True))
    print(f"class code:      {found.class_code}")
    print(f"instructor code: {found.instructor_code}")
    return 0


def collect_logs(args: argparse.Namespace) -> int:
    from sim.hub.collect import collect, exercise_of

    _root("hub collect")
    if (args.to is None) == (args.out is None):
        raise UsageError("give either --to INSTRUCTOR (into their home) or --out DIR (a folder of root's)")
    try:
        exercise = Path(args.exercise) if args.exercise else exercise_of(Path(args.notebooks))
        result = collect(_state(args), args.to, Path(args.out) if args.out else None, _actor(), exercise=exercise)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for name, files in sorted(result.files.items()):
        print(f"{name:28} {len(files)} file(s)")
    for problem in result.problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"collected {result.count} file(s) from {len(result.files)} user(s) into {result.folder}")
    if result.verified:
        print(result.verified)
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _panel(folder: str) -> Path:
    """The panel folder for a panel day, checked: a panel, and its owner's alone (candidates reach it only through
    the signer)."""
    from sim.panel import PanelError, open_panel

    path = Path(folder).resolve()
    try:
        panel = open_panel(path)
    except PanelError as exc:
        raise UsageError(f"--panel: {exc}") from None
    if path.stat().st_mode & 0o077:
        raise UsageError(f"--panel: {path} must be its owner's alone (got mode {path.stat().st_mode & 0o777:o}, expected "
                         f"700: run chmod 700 {path})")
    print(f"panel day: {panel.exercise.id} ({panel.exercise.describe()}), {len(panel.exercise.roster)} candidate(s); "
          "candidates land in its app", flush=True)
    return path


def start(args: argparse.Namespace) -> int:
    from sim.hub.accounts import usable_by
    from sim.hub.codes import ensure_codes
    from sim.hub.config import DEPLOY, PROXY
    from sim.hub.roster import read_roster

    _root("hub start")
    state = _state(args, create=True)
    if not PROXY.exists():
        raise UsageError(f"the proxy is not installed at {PROXY} (expected `./kit hub` to install it with npm ci)")
    why = usable_by("nobody")
    if why:
        raise UsageError(f"other accounts cannot run the kit ({why}); its folder and .venv must be readable by "
                         "every account (install it under /opt or /srv, not /root)")
    notebooks = Path(args.notebooks).resolve()
    if not any(notebooks.glob("*.ipynb")):
        raise UsageError(f"no notebooks in {notebooks} (expected a folder holding 01_play.ipynb)")
    ensure_codes(state)
    roster = read_roster(state)
    env = {**os.environ, "ITPM_HUB_STATE": str(state), "ITPM_HUB_IP": args.ip, "ITPM_HUB_PORT": str(args.port),
           "ITPM_HUB_HUB_PORT": str(free_port()), "ITPM_HUB_API_PORT": str(free_port()),
           "ITPM_HUB_COLLECT_PORT": str(free_port()), "ITPM_HUB_AUTH": args.auth,
           "ITPM_HUB_NOTEBOOKS": str(notebooks), "ITPM_HUB_IDLE_MINUTES": str(args.idle_minutes),
           "ITPM_HUB_SSL_KEY": args.ssl_key or "", "ITPM_HUB_SSL_CERT": args.ssl_cert or "",
           "ITPM_HUB_PANEL": str(_panel(args.panel)) if args.panel else "",
           "ITPM_HUB_FORECAST_SLOTS": str(args.forecast_slots)}
    if bool(args.ssl_key) != bool(args.ssl_cert):
        raise UsageError("give both --ssl-key and --ssl-cert, or neither")
    scheme = "https" if args.ssl_cert else "http"
    print(f"ITPM Sim hub for {len(roster.users)} user(s) at {scheme}://{args.ip}:{args.port}/ (state {state}); "
          "stop it with Ctrl-C or SIGTERM", flush=True)
    os.chdir(state)
    args_ = [sys.executable, "-m", "jupyterhub", "-f", str(DEPLOY / "jupyterhub_config.py")]
    os.execve(sys.executable, args_, env)


def register(sub) -> None:
    from sim.hub.roster import ROLES

    hub = sub.add_parser("hub", help="run a class or a panel day on this server with JupyterHub (as root)")
    hub_sub = hub.add_subparsers(dest="hub_command", required=True, metavar="HUB_COMMAND")
    default_state = os.environ.get("ITPM_HUB_STATE", DEFAULT_STATE)

    def command(name: str, help: str, handler):
        p = hub_sub.add_parser(name, help=help)
        p.add_argument("--state", default=default_state, metavar="DIR",
                       help=f"the hub's state folder (default {default_state})")
        p.set_defaults(handler=handler)
        return p

    p = command("start", "start the hub (stops with Ctrl-C or SIGTERM, and stops every server with it)", start)
    p.add_argument("--port", type=bounded(65535), default=8000, help="the port users connect to (default 8000)")
    p.add_argument("--ip", default="127.0.0.1",
                   help="the address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for a network, "
                        "with HTTPS: --ssl-key and --ssl-cert, or a reverse proxy; see deploy/README.md)")
    p.add_argument("--ssl-key", metavar="FILE", help="the TLS private key, for HTTPS")
    p.add_argument("--ssl-cert", metavar="FILE", help="the TLS certificate (chain), for HTTPS")
    p.add_argument("--auth", choices=("class-code", "native"), default="class-code",
                   help="how users log in: the class code (default) or personal passwords (native)")
    p.add_argument("--notebooks", default=str(Path(__file__).resolve().parents[2] / "notebooks"), metavar="DIR",
                   help="the folder whose notebooks users receive (default the kit's; a class pack's for a class)")
    p.add_argument("--idle-minutes", type=int, default=60, metavar="M",
                   help="stop a server after M minutes without traffic (default 60; 0 never)")
    p.add_argument("--forecast-slots", type=workers_type, default=os.cpu_count() or 1, metavar="N",
                   help="live forecasts computed at once, for every user together (default this machine's "
                        f"{os.cpu_count() or 1} CPUs; a forecast waits for a free one, and a week never waits for it)")
    p.add_argument("--panel", metavar="DIR", help="a panel day: candidates land in the app of the panel made with "
                                                  "`itpm-sim panel create DIR` (its secret stays in DIR)")
    p = command("adduser", "add users, each with a system account and a private home", adduser)
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--role", choices=ROLES, default="trainee", help="default trainee")
    p.add_argument("--homes", default=DEFAULT_HOMES, metavar="DIR", help=f"where homes are made (default {DEFAULT_HOMES})")
    p = command("deluser", "remove a user from the roster (lock the account; --purge deletes it, keeping the logs)", deluser)
    p.add_argument("name", metavar="NAME")
    p.add_argument("--purge", action="store_true")
    command("users", "list the hub's users", users)
    command("codes", "show the class code and the instructor code", codes)
    p = command("collect", "copy every student's session logs into a new folder (audited)", collect_logs)
    p.add_argument("--to", metavar="INSTRUCTOR", help="into a new folder in this instructor's home")
    p.add_argument("--out", metavar="DIR", help="into a new folder inside DIR")
    p.add_argument("--exercise", metavar="FILE",
                   help="verify the copies with `itpm-sim class collect` against this exercise (default: the class "
                        "pack's, when --notebooks names one)")
    p.add_argument("--notebooks", default=str(Path(__file__).resolve().parents[2] / "notebooks"), metavar="DIR",
                   help="the folder the hub serves (as given to start)")
