"""The hub's parts one by one, without a hub: roster, codes, login, homes, collection helpers, configuration."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import os
import socket
import stat
from pathlib import Path

import pytest
from traitlets.config import Config

from sim.hub import auth, codes, config, handover, roster, start, voila

ROOT = Path(__file__).resolve().parents[1]


def test_a_hub_name_is_what_a_linux_account_can_hold_after_the_prefix():
    for good in ("a", "ana-maria", "s1234567", "x" * 27):
        assert roster.check_name(good) == good
    for bad in ("", "Ana", "1st", "-x", "a_b", "a.b", "x" * 28, "root ", "é"):
        with pytest.raises(roster.RosterError, match="expected 1 to 27 lower-case letters"):
            roster.check_name(bad)
    assert len(roster.ACCOUNT_PREFIX + "x" * 27) == 32  # the longest account name Linux takes


def test_the_roster_is_written_atomically_for_root_alone_and_refuses_a_name_twice(tmp_path):
    r = roster.with_member(roster.Roster(), "ana", "trainee", "itpm-ana")
    r = roster.with_member(r, "ivo", "instructor", "itpm-ivo")
    roster.write_roster(tmp_path, r)
    assert stat.S_IMODE(roster.roster_path(tmp_path).stat().st_mode) == 0o600
    back = roster.read_roster(tmp_path)
    assert back == r and back.named("instructor") == {"ivo"}
    with pytest.raises(roster.RosterError, match="'ana' is already a trainee"):
        roster.with_member(back, "ana", "candidate", "itpm-ana")
    with pytest.raises(roster.RosterError, match="unknown role 'student' \\(expected one of trainee, candidate, instructor\\)"):
        roster.with_member(back, "bo", "student", "itpm-bo")
    with pytest.raises(roster.RosterError, match="no hub user is named 'bo'"):
        roster.without_member(back, "bo")
    assert set(roster.without_member(back, "ana").users) == {"ivo"}
    assert not list(tmp_path.glob(".roster-*"))  # no temporary file left


def test_a_damaged_roster_is_reported_at_its_line(tmp_path):
    roster.roster_path(tmp_path).write_text('{"format": "itpm-sim-hub-roster/1", "users": {"ana": {"role": "boss"}}}')
    with pytest.raises(roster.RosterError, match=r"roster.json:1:\d+: .*role"):
        roster.read_roster(tmp_path)


def test_codes_are_made_once_for_root_alone_and_never_replaced(tmp_path):
    first = codes.ensure_codes(tmp_path)
    assert stat.S_IMODE((tmp_path / codes.CODES_FILE).stat().st_mode) == 0o600
    assert len(first.class_code) == 14 and first.class_code.count("-") == 2 and len(first.instructor_code) >= 32
    assert codes.ensure_codes(tmp_path) == first


def _login(state: Path, name: str, password: str):
    authenticator = auth.ClassCodeAuthenticator(state_dir=str(state), user_password="class-code-1",
                                                admin_password="i" * 40)
    result = asyncio.run(authenticator.authenticate(None, {"username": name, "password": password}))
    return result, authenticator.check_allowed(name, result)


def test_only_roster_names_log_in_and_instructors_need_the_instructor_code(tmp_path):
    r = roster.with_member(roster.Roster(), "ana", "trainee", "itpm-ana")
    roster.write_roster(tmp_path, roster.with_member(r, "ivo", "instructor", "itpm-ivo"))
    assert _login(tmp_path, "ana", "class-code-1") == ({"name": "ana", "admin": False, "groups": []}, True)
    assert _login(tmp_path, "ana", "wrong")[0] is None
    assert _login(tmp_path, "zed", "class-code-1")[1] is False  # the right code, but not on the roster
    assert _login(tmp_path, "ivo", "i" * 40) == ({"name": "ivo", "admin": True, "groups": []}, True)
    assert _login(tmp_path, "ivo", "class-code-1")[0] is None  # an instructor's name needs the instructor code
    roster.write_roster(tmp_path, roster.without_member(roster.read_roster(tmp_path), "ana"))
    assert _login(tmp_path, "ana", "class-code-1")[1] is False  # removed: refused at once, no restart


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / "sessions").mkdir(parents=True)
    return home


def test_a_students_logs_are_read_as_regular_files_only_never_through_a_link(tmp_path):
    home = _home(tmp_path)
    (home / "sessions" / "a.session.json").write_text("{}")
    (home / "sessions" / "a.notes.json").write_text('{"n": 1}')
    secret = tmp_path / "panel.secret"
    secret.write_text("s3cret")
    (home / "sessions" / "b.session.json").symlink_to(secret)
    os.mkfifo(home / "sessions" / "c.session.json")
    (home / "sessions" / "d.session.json").write_bytes(b"x" * 101)
    (home / "sessions" / ".session-1.tmp").write_text("half")
    (home / "sessions" / "notes.txt").write_text("not a log")
    got = handover.read_own_logs(home, limit=100)
    assert {n: base64.b64decode(d) for n, d in got["files"].items()} == {"a.notes.json": b'{"n": 1}',
                                                                       "a.session.json": b"{}"}
    assert got["problems"] == [
        "sessions/b.session.json: cannot read (too many levels of symbolic links; expected a regular file, not a link)",
        "sessions/c.session.json: not a regular file (expected a session log or notes file)",
        "sessions/d.session.json: too large (101 bytes, expected at most 100)",
    ]


def test_a_sessions_folder_that_is_a_link_is_not_followed(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.session.json").write_text("{}")
    (home / "sessions").symlink_to(tmp_path / "elsewhere")
    got = handover.read_own_logs(home, limit=100)
    assert got["files"] == {} and "expected a folder, not a link" in got["problems"][0]


def test_copies_go_into_a_new_folder_and_never_over_anything(tmp_path):
    files = {"ana": {"a.session.json": base64.b64encode(b"{}").decode()}}
    handover.write_copies(tmp_path / "collected-1", files)
    assert (tmp_path / "collected-1" / "ana" / "a.session.json").read_bytes() == b"{}"
    with pytest.raises(FileExistsError):
        handover.write_copies(tmp_path / "collected-1", files)


def test_a_home_gets_the_roles_notebooks_once_and_an_edited_one_is_kept(tmp_path):
    notebooks = ROOT / "notebooks"
    home = tmp_path / "ana"
    home.mkdir()
    assert start.provision(home, notebooks, "trainee") == ["00_start_here.ipynb", "01_play.ipynb", "app.ipynb"]
    assert stat.S_IMODE((home / "sessions").stat().st_mode) == 0o700
    (home / "01_play.ipynb").write_text("edited")
    assert start.provision(home, notebooks, "trainee") == []
    assert (home / "01_play.ipynb").read_text() == "edited"
    candidate = tmp_path / "cy"
    candidate.mkdir()
    assert start.provision(candidate, notebooks, "candidate") == ["app.ipynb"]  # the app first on screen
    teacher = tmp_path / "ivo"
    teacher.mkdir()
    assert start.provision(teacher, notebooks, "instructor") == sorted(p.name for p in notebooks.glob("*.ipynb"))


def test_with_a_class_pack_students_get_its_notebook_and_exercise_and_land_on_it(tmp_path, cli):
    pack = tmp_path / "pack"
    done = cli("class", "create", "software_build", "--seed", "7", "--out", str(pack))
    assert done.returncode == 0, done.stderr
    home = tmp_path / "ana"
    home.mkdir()
    assert start.provision(home, pack, "trainee") == ["exercise.json", "play.ipynb"]
    assert (home / "exercise.json").read_bytes() == (pack / "exercise.json").read_bytes()
    assert "--ServerApp.default_url=/lab/tree/play.ipynb" in start.command("trainee", home, pack)
    assert start.command("candidate", home, pack)[-1] == str(home / "play.ipynb")
    teacher = tmp_path / "ivo"
    teacher.mkdir()
    assert set(start.provision(teacher, pack, "instructor")) == {"play.ipynb", "exercise.json"}


def test_trainees_get_jupyterlab_on_the_play_notebook_and_candidates_voila_alone(tmp_path):
    lab = start.command("trainee", tmp_path, ROOT / "notebooks")
    assert lab[1:3] == ["-m", "sim.hub.singleuser"] and "--ServerApp.default_url=/lab/tree/01_play.ipynb" in lab
    assert "--ServerApp.terminals_enabled=False" in lab
    assert "--VoilaExecutor.startup_timeout=300" in lab  # a page waits for its kernel as long as the hub for a server
    assert start.command("candidate", tmp_path, ROOT / "notebooks")[1:] == ["-m", "sim.hub.voila",
                                                                            str(tmp_path / "app.ipynb")]
    env = {"JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:41234/user/cy/", "JUPYTERHUB_SERVICE_PREFIX": "/user/cy/"}
    args = voila.arguments("01_play.ipynb", env)
    assert {"--Voila.ip=127.0.0.1", "--Voila.port=41234", "--Voila.base_url=/user/cy/",
            "--VoilaConfiguration.strip_sources=True", "--VoilaConfiguration.file_denylist=.*",
            "--Voila.identity_provider_class=sim.hub.voila.HubIdentityProvider",
            "--Voila.authorizer_class=jupyterhub.singleuser.extension.JupyterHubAuthorizer",
            "--VoilaExecutor.startup_timeout=300"} <= set(args)


LIGHT_SERVER = """
import sys
from sim.hub.singleuser import lighten
lighten()
import jupyterhub.singleuser.extension as extension
import jupyter_server.log
loaded = [m for m in ("alembic", "jupyterhub.handlers", "jupyterhub.spawner", "jupyterhub.app", "lark") if m in sys.modules]
assert not loaded, loaded
assert type(sys.modules["jupyterhub.orm"]).__name__ == "_LazyModule"  # imported by jupyterhub.scopes, never run
assert extension.log_request is jupyter_server.log.log_request
import jsonschema
assert "lark" not in sys.modules and "iri" not in jsonschema.FormatChecker().checkers  # as without rfc3987_syntax
assert jsonschema.FormatChecker().conforms("2026-12-07T00:00:00Z", "date-time")  # the other formats are checked
from jupyterhub.log import coroutine_frames  # any other name of the hub's module is still there
from jupyterhub.orm import User  # and the database layer loads when used
print("ok")
"""


def test_a_users_server_leaves_the_hubs_own_web_application_and_database_layer_out():
    # 45 MB of every server's private memory (benchmarks/README.md, issue 17); nothing is missing if asked for
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", LIGHT_SERVER], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_on_a_panel_day_a_candidate_gets_the_panels_one_cell_notebook_in_a_folder_of_its_own(tmp_path):
    from sim.panel.serving import CELL

    (tmp_path / start.PANEL_APP).mkdir()
    (tmp_path / start.PANEL_APP / "stale.ipynb").write_text("{}")  # only the panel's notebook is left there
    notebook = start.panel_notebook(tmp_path)
    assert sorted(p.name for p in notebook.parent.iterdir()) == ["panel.ipynb"]
    assert ["".join(c["source"]) for c in json.loads(notebook.read_text())["cells"]] == [CELL]
    assert start.command("candidate", tmp_path, ROOT / "notebooks", panel_day=True)[1:] == [
        "-m", "sim.hub.voila", str(tmp_path / "panel-app" / "panel.ipynb")]


def test_a_panel_day_runs_the_signer_beside_the_hub_and_names_it_to_candidates_servers(tmp_path):
    from sim.hub.panel_signer import candidate_of, signer_name

    c = _configured(tmp_path, ITPM_HUB_PANEL=str(tmp_path / "panel"))
    signer = next(s for s in c.JupyterHub.services if s["name"] == "panel-signer")
    assert "url" not in signer  # nothing reaches it through the proxy
    assert signer["command"][1:] == ["-m", "sim.hub.panel_signer", str(tmp_path / "panel"), str(tmp_path),
                                     signer_name(tmp_path)]
    assert c.KitSpawner.panel_signer == signer_name(tmp_path) != signer_name(tmp_path / "other")
    assert "panel_signer" not in _configured(tmp_path / "plain").KitSpawner
    assert candidate_of(tmp_path, os.getuid()) is None  # nobody on this roster is a candidate with this uid


def _configured(tmp_path: Path, **env) -> Config:
    tmp_path.mkdir(exist_ok=True)
    r = roster.with_member(roster.Roster(), "ana", "trainee", "itpm-ana")
    roster.write_roster(tmp_path, roster.with_member(r, "ivo", "instructor", "itpm-ivo"))
    codes.ensure_codes(tmp_path)
    c = Config()
    config.configure(c, {"ITPM_HUB_STATE": str(tmp_path), "ITPM_HUB_HUB_PORT": "5001", "ITPM_HUB_API_PORT": "5002",
                         "ITPM_HUB_COLLECT_PORT": "5003", "ITPM_HUB_NOTEBOOKS": str(ROOT / "notebooks"), **env})
    return c


def test_the_hub_listens_on_loopback_unless_told_and_keeps_its_internals_there(tmp_path):
    c = _configured(tmp_path)
    assert (c.JupyterHub.ip, c.JupyterHub.port, c.JupyterHub.hub_ip, c.JupyterHub.hub_port) == ("127.0.0.1", 8000, "127.0.0.1", 5001)
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:5002" and c.Spawner.ip == "127.0.0.1"
    assert c.ConfigurableHTTPProxy.command == [str(ROOT / "deploy/jupyterhub/node_modules/.bin/configurable-http-proxy")]
    assert c.JupyterHub.authenticator_class == "sim.hub.auth.ClassCodeAuthenticator"
    assert c.Authenticator.admin_users == {"ivo"} and c.Authenticator.allowed_users == {"ana", "ivo"}
    assert c.SharedPasswordAuthenticator.user_password == codes.read_codes(tmp_path).class_code
    assert [s["name"] for s in c.JupyterHub.services] == ["idle-culler", "collect"]
    assert "--timeout=3600" in c.JupyterHub.services[0]["command"]
    assert c.JupyterHub.db_url == f"sqlite:///{tmp_path / 'jupyterhub.sqlite'}"


def test_every_server_gets_the_hubs_forecast_slots_one_per_cpu_unless_told(tmp_path):
    from sim.engine.outlook import SLOTS_ENV
    from sim.hub.config import forecast_slots_name

    name = forecast_slots_name(tmp_path.resolve())
    assert _configured(tmp_path).Spawner.environment[SLOTS_ENV] == f"{name}:{os.cpu_count()}"
    assert _configured(tmp_path, ITPM_HUB_FORECAST_SLOTS="3").Spawner.environment[SLOTS_ENV] == f"{name}:3"
    other = _configured(tmp_path / "other").Spawner.environment[SLOTS_ENV]
    assert other.startswith("itpm-sim-forecast-") and other.split(":")[0] != name  # two hubs never share slots


def test_the_hub_takes_personal_passwords_https_and_no_culling_when_asked(tmp_path):
    c = _configured(tmp_path, ITPM_HUB_AUTH="native", ITPM_HUB_IP="0.0.0.0", ITPM_HUB_IDLE_MINUTES="0",
                    ITPM_HUB_SSL_KEY="/etc/ssl/k.pem", ITPM_HUB_SSL_CERT="/etc/ssl/c.pem")
    assert c.JupyterHub.authenticator_class == "sim.hub.auth.RosterNativeAuthenticator"
    assert c.RosterNativeAuthenticator.state_dir == str(tmp_path) and c.NativeAuthenticator.open_signup is False
    assert (c.JupyterHub.ip, c.JupyterHub.ssl_cert) == ("0.0.0.0", "/etc/ssl/c.pem")
    assert [s["name"] for s in c.JupyterHub.services] == ["collect"]


def test_the_audit_log_gets_one_json_line_per_event(tmp_path):
    from sim.hub.collect import audit, stamp

    audit(tmp_path, {"action": "collect", "by": "ivo"})
    audit(tmp_path, {"action": "adduser", "by": "root", "user": "ana"})
    lines = [json.loads(x) for x in (tmp_path / "audit.log").read_text().splitlines()]
    assert [x["action"] for x in lines] == ["collect", "adduser"] and lines[0]["time"].endswith("+00:00")
    assert stat.S_IMODE((tmp_path / "audit.log").stat().st_mode) == 0o600
    assert stamp(dt.datetime(2027, 3, 1, 9, 5, 7)) == "collected-20270301-090507"


def test_the_hub_command_refuses_a_bad_name_before_touching_anything(cli, tmp_path):
    done = cli("hub", "adduser", "Ana Maria", "--state", str(tmp_path / "state"))
    if os.geteuid() != 0:
        assert done.returncode == 2 and "run `hub adduser` as root" in done.stderr
    else:
        assert done.returncode == 2 and "cannot use the name 'Ana Maria'" in done.stderr
        assert not list((tmp_path / "state").iterdir())
    assert "Traceback" not in done.stderr


def test_a_server_port_is_free_and_below_the_ephemeral_ports_that_kernels_take():
    from sim.hub.spawner import SERVER_PORTS, server_port

    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {server_port() for _ in range(50)}
    assert all(p in SERVER_PORTS and p < low for p in ports) and len(ports) == 50  # none given twice

    class Picks:  # offers the port in use first, then the next one
        def __init__(self, *ports):
            self.ports = list(ports)

        def choice(self, _):
            return self.ports.pop(0)

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", server_port()))
        busy = taken.getsockname()[1]
        assert server_port(Picks(busy, busy + 1)) == busy + 1  # a port in use is never offered
        assert server_port(Picks(busy + 1, busy, busy + 2)) == busy + 2  # nor one given out a moment ago
