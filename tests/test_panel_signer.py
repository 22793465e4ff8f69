"""The panel's signer: a candidate's kernel plays a panel without the secret, and the panel's files count as ever.

The signer runs in a thread here on an abstract Unix socket; the caller's user id is this process's (in the hub
test, tests/test_hub.py, each candidate's kernel runs under their own account and the signer as root).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading

import pytest
from test_panel import CANDIDATES, play

from conftest import FakeClock
from sim.panel import PanelError, create_panel
from sim.panel.attempts import ATTEMPTS_FILE, read_record
from sim.panel.review import check_all, log_path
from sim.panel.signer import Desk, RemotePanel, SignerError, serve
from sim.ui.candidate_model import CandidateModel


@pytest.fixture
def signer(tmp_path):
    """A panel, its signer on a fresh socket (this process's uid is hub user ``u1``), the codes and the kernel's folder."""
    panel, codes = create_panel(tmp_path / "panel", "network_migration", seed=7, minutes=45, candidates=CANDIDATES)
    name = f"itpm-sim-test-{secrets.token_hex(6)}"
    users = {os.getuid(): "u1"}
    server = serve(Desk(panel), name, users.get)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield panel, codes, name, tmp_path / "home-sessions", users
    finally:
        server.shutdown()
        server.server_close()


def test_a_candidate_plays_through_the_signer_and_the_panel_verifies_the_log(signer):
    panel, codes, name, sessions, _ = signer
    remote = RemotePanel(name, sessions)
    assert remote.exercise == panel.exercise and not hasattr(remote.key, "secret")
    model = CandidateModel(remote, origin="kernel-x", clock=FakeClock())
    assert model.enter_code(codes["ann"].lower()), model.message
    play(model, weeks=2)
    kept = log_path(panel, "ann")
    local = sessions / kept.name
    assert local.read_bytes() == kept.read_bytes()  # the kernel's copy and the panel's signed copy are the same bytes
    mine, others = check_all(panel)
    assert mine["ann"].status == "unfinished" and others == []  # signed and replayed: only the end is missing
    assert panel.key.check(kept) == ""
    events, broken = read_record(panel.sessions / ATTEMPTS_FILE, panel.key)
    assert broken == "" and [(e.event, e.candidate) for e in events] == [("start", "ann")]
    assert events[0].origin == "hub user u1, kernel-x"
    # a reload: a new kernel, the same code, the same session, checked against the panel's copy
    again = CandidateModel(RemotePanel(name, sessions), origin="kernel-y", clock=FakeClock())
    assert again.enter_code(codes["ann"]) and again.session is not None and again.session.stops == model.session.stops
    # the kernel's copy edited: the panel's copy no longer matches it, so it is not reopened
    local.write_text(local.read_text().replace('"stops"', '"stops" ', 1))
    edited = CandidateModel(RemotePanel(name, sessions), origin="kernel-z", clock=FakeClock())
    assert not edited.enter_code(codes["ann"]) and "signature check" in edited.message
    events, _ = read_record(panel.sessions / ATTEMPTS_FILE, panel.key)
    assert events[-1].event == "blocked" and "differs from the signed copy" in events[-1].detail


def test_one_account_plays_one_candidate_and_writes_only_their_files(signer):
    panel, codes, name, sessions, _ = signer
    remote = RemotePanel(name, sessions)
    assert remote.candidate(codes["bob"]).id == "bob"
    assert remote.candidate(codes["ann"]) is None  # a second candidate's code from the same account
    assert remote.candidate("AAAA-BBBB-CCCC") is None
    with pytest.raises(SignerError, match=r"not a file of this candidate \(got 'secret\.key'"):
        remote.ask("save", name="secret.key", text="x")
    with pytest.raises(SignerError, match="not a file of this candidate"):
        remote.ask("save", name="../panel.json", text="{}")
    with pytest.raises(SignerError, match="unknown attempt event"):
        remote.ask("record", event="finish!", origin="", detail="")
    assert sorted(p.name for p in panel.sessions.iterdir()) == []


def test_the_signer_refuses_an_account_that_is_not_a_candidate_and_a_broken_request(signer):
    _panel, _codes, name, sessions, users = signer
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:  # not JSON
        s.connect("\0" + name)
        s.sendall(b"[1, 2]\n")
        assert json.loads(s.makefile("rb").readline()) == {"error": "not a JSON object"}
    users.clear()  # this account is no longer a candidate
    with pytest.raises(SignerError, match="not a candidate of the panel day"):
        RemotePanel(name, sessions)
    with pytest.raises(PanelError, match="cannot be reached"):
        RemotePanel(name + "-gone", sessions)


def test_on_a_hub_the_login_does_not_say_who_plays_only_the_access_code_does(signer, monkeypatch):
    _, codes, name, sessions, _ = signer
    monkeypatch.setenv("JUPYTERHUB_USER", "ann")  # the hub user's name, even one that is a candidate's id
    model = CandidateModel(RemotePanel(name, sessions), clock=FakeClock())
    assert (model.participant, model.message, model.error) == ("", "", False)  # the gate, with no complaint
    assert not model.identify("ann") and model.message == "Enter your access code first."
    assert model.enter_code(codes["bob"]) and model.participant == "bob"


def test_when_the_signer_is_gone_the_candidate_is_told_and_the_next_save_makes_the_panels_copy_good(signer):
    panel, codes, name, sessions, users = signer
    model = CandidateModel(RemotePanel(name, sessions), origin="kernel-x", clock=FakeClock())
    assert model.enter_code(codes["ann"]) and model.start() and model.commit_plan(), model.message
    hub_user = users.pop(os.getuid())  # the signer no longer answers this account
    assert model.advance()  # the week is played and kept in the kernel's copy
    assert model.error and "The panel's copy could not be updated" in model.message and "tell the panel" in model.message
    kept = log_path(panel, "ann")
    local = sessions / kept.name
    assert kept.read_bytes() != local.read_bytes()
    users[os.getuid()] = hub_user  # back
    assert model.advance()
    assert kept.read_bytes() == local.read_bytes() and panel.key.check(kept) == ""
    again = CandidateModel(RemotePanel(name, sessions), origin="kernel-y", clock=FakeClock())  # a reload
    users.clear()
    assert not again.enter_code(codes["ann"])
    assert again.message.startswith("The access code cannot be checked now (the panel's signer refused: this account is ")


@pytest.mark.skipif(os.geteuid() != 0, reason="handing files to another account needs root")
def test_every_file_the_signer_writes_is_handed_to_the_panel_folders_owner(tmp_path):
    panel, codes = create_panel(tmp_path / "panel", "network_migration", seed=7, minutes=45, candidates=CANDIDATES)
    owner = (65534, 65534)  # nobody: the panel's owner when the signer runs as root
    desk = Desk(panel, owner=owner)
    assert desk.handle("u1", {"op": "code", "code": codes["ann"]}) == {"candidate": "ann"}
    assert desk.handle("u1", {"op": "record", "event": "start", "origin": "k", "detail": ""}) == {}
    name = log_path(panel, "ann").name
    assert desk.handle("u1", {"op": "save", "name": name, "text": "{}"}) == {}
    written = sorted(p.name for p in panel.sessions.iterdir())
    assert written == sorted([ATTEMPTS_FILE, name, name + ".sig"])
    assert {(p.stat().st_uid, p.stat().st_gid) for p in panel.sessions.iterdir()} == {owner}
