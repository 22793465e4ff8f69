"""The deployment files hold together: Kubernetes values, image, Binder, the proxy's lock, the environment.

Helm cannot be installed from the registries this project reaches, so ``helm template`` cannot lint the
values file here.  Instead it is validated against a JSON Schema written below from the Zero to JupyterHub
chart's documented values (4.x): the keys this file may use, their types, and nothing else at the levels it
uses (a misspelt key fails).  The profile logic of hub.extraConfig is run, not only read.
"""

from __future__ import annotations

import json
import re
import types
from pathlib import Path

import jsonschema
import pytest
import yaml
from traitlets.config import Config

from sim.hub.start import LANDING

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "kubernetes"
QUANTITY = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?([EPTGMk]i?|m)?$"}
ENABLED = {"type": "object", "properties": {"enabled": {"type": "boolean"}}, "additionalProperties": False}
STRINGS = {"type": "array", "items": {"type": "string"}, "minItems": 1}


def closed(properties: dict, required: tuple = ()) -> dict:
    return {"type": "object", "properties": properties, "additionalProperties": False, "required": list(required)}


PROFILE = closed({
    "display_name": {"type": "string"}, "slug": {"type": "string", "pattern": "^[a-z0-9-]+$"},
    "description": {"type": "string"}, "default": {"type": "boolean"},
    "kubespawner_override": closed({"cmd": STRINGS, "mem_limit": QUANTITY, "mem_guarantee": QUANTITY,
                                    "cpu_limit": {"type": "number"}, "image": {"type": "string"},
                                    "volumes": {"type": "array"}, "volume_mounts": {"type": "array"}}),
}, ("display_name", "slug"))

# The chart's top-level keys (values.yaml of jupyterhub/zero-to-jupyterhub-k8s, chart 4.x), and within the
# ones this file uses, the keys it may use.
VALUES = closed({
    **{key: {} for key in ("fullnameOverride", "nameOverride", "enabled", "custom", "imagePullSecret",
                           "imagePullSecrets", "rbac", "ingress", "debug", "global")},
    "hub": {"type": "object", "properties": {
        "config": {"type": "object", "additionalProperties": {"type": "object"}},
        "extraConfig": {"type": "object", "additionalProperties": {"type": "string"}},
    }},
    "singleuser": {"type": "object", "properties": {
        "image": closed({"name": {"type": "string"}, "tag": {"type": "string"},
                         "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never", None]}}, ("name", "tag")),
        "cmd": STRINGS, "defaultUrl": {"type": ["string", "null"]},
        "startTimeout": {"type": "integer", "minimum": 1},
        "extraEnv": {"type": "object", "additionalProperties": {"type": "string"}},
        "memory": closed({"guarantee": QUANTITY, "limit": QUANTITY}),
        "cpu": closed({"guarantee": {"type": "number"}, "limit": {"type": "number"}}),
        "storage": {"type": "object", "properties": {"type": {"enum": ["dynamic", "static", "none"]},
                                                      "capacity": QUANTITY}},
        "networkPolicy": {"type": "object", "properties": {"enabled": {"type": "boolean"}}},
        "profileList": {"type": "array", "items": PROFILE, "minItems": 1},
    }},
    "cull": closed({"enabled": {"type": "boolean"}, "timeout": {"type": "integer", "minimum": 60},
                    "every": {"type": "integer", "minimum": 1}, "users": {"type": "boolean"},
                    "adminUsers": {"type": "boolean"}, "removeNamedServers": {"type": "boolean"},
                    "concurrency": {"type": "integer"}, "maxAge": {"type": "integer"}}),
    "scheduling": closed({"userScheduler": ENABLED, "podPriority": ENABLED,
                          "userPlaceholder": closed({"enabled": {"type": "boolean"},
                                                     "replicas": {"type": "integer", "minimum": 0}}),
                          "corePods": {"type": "object"}, "userPods": {"type": "object"}}),
    "prePuller": {"type": "object", "properties": {"continuous": ENABLED, "hook": ENABLED}},
    "proxy": {"type": "object", "properties": {
        "service": {"type": "object", "properties": {"type": {"enum": ["ClusterIP", "NodePort", "LoadBalancer"]}}},
        "https": {"type": "object"},
    }},
})


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((K8S / "values.yaml").read_text())


def test_the_kubernetes_values_fit_the_charts_structure(values):
    jsonschema.validate(values, VALUES, cls=jsonschema.Draft202012Validator)
    for name, snippet in values["hub"]["extraConfig"].items():
        compile(snippet, f"hub.extraConfig.{name}", "exec")


def test_the_checked_structure_catches_a_misspelt_key(values):
    values["singleuser"]["memory"]["limt"] = "1G"
    with pytest.raises(jsonschema.ValidationError, match="limt"):
        jsonschema.validate(values, VALUES)


def _offered(values: dict, groups: list[str]) -> list[str]:
    c = Config()
    c.KubeSpawner.profile_list = values["singleuser"]["profileList"]  # as the chart sets it before extraConfig
    exec(values["hub"]["extraConfig"]["itpm-profiles"], {"c": c})
    spawner = types.SimpleNamespace(user=types.SimpleNamespace(groups=[types.SimpleNamespace(name=g) for g in groups]))
    return [p["slug"] for p in c.KubeSpawner.profile_list(spawner)]


def test_each_user_is_offered_only_their_roles_profile(values):
    assert _offered(values, []) == ["trainee"]
    assert _offered(values, ["candidates"]) == ["candidate"]
    assert _offered(values, ["instructors", "staff"]) == ["instructor"]


def test_every_profile_starts_the_kit_from_where_the_image_installs_it(values):
    dockerfile = (K8S / "Dockerfile").read_text()
    assert re.search(r"^COPY .* \. /opt/itpm-sim$", dockerfile, re.M)
    assert "--file environment.yml" in dockerfile and dockerfile.index("WORKDIR /opt/itpm-sim") < dockerfile.index("RUN")
    commands = [values["singleuser"]["cmd"]] + [p["kubespawner_override"]["cmd"] for p in values["singleuser"]["profileList"]
                                                if "cmd" in p.get("kubespawner_override", {})]
    roles = set()
    for cmd in commands:
        assert cmd[:3] == ["python", "-m", "sim.hub.start"] and cmd[4] == "/opt/itpm-sim/notebooks", cmd
        roles.add(cmd[3])
    assert roles == set(LANDING) == {p["slug"] for p in values["singleuser"]["profileList"]}
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "**/node_modules", ".git"} <= set(ignored)


def test_binder_builds_from_the_root_environment_and_post_build():
    # environment.yml itself is checked against pyproject.toml in test_schema_format.py
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()  # they would hide the root files
    post = ROOT / "postBuild"
    assert post.stat().st_mode & 0o111 and post.read_text().startswith("#!/bin/bash")
    assert "itpm-sim validate scenarios/*.yaml" in post.read_text()


def test_binder_culls_the_kernels_of_abandoned_voila_pages(tmp_path):
    """postBuild, run as repo2docker runs it, leaves a config that the Jupyter server behind Binder's
    voila/render link reads: its kernel manager culls idle kernels no page is connected to, as itpm-sim serve does."""
    import os
    import subprocess
    import sys

    from sim.serve import CULL_IDLE_TIMEOUT, CULL_INTERVAL, write_server_culling

    prefix = tmp_path / "env"
    (prefix / "etc" / "jupyter").mkdir(parents=True)
    (prefix / "etc" / "jupyter" / "jupyter_server_config.json").write_text('{"ServerApp": {"open_browser": false}}')
    env = {**os.environ, "CONDA_PREFIX": str(prefix), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["bash", str(ROOT / "postBuild")], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    probe = ("from jupyter_server.serverapp import ServerApp; app = ServerApp(); "
             "app.initialize(argv=['--port=0'], find_extensions=False, new_httpserver=False); k = app.kernel_manager; "
             "print(k.cull_idle_timeout, k.cull_interval, k.cull_connected, app.open_browser)")
    read = subprocess.run([sys.executable, "-c", probe], env={**env, "JUPYTER_CONFIG_PATH": str(prefix / "etc" / "jupyter"),
                          "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}, check=True, capture_output=True, text=True, timeout=120)
    assert read.stdout.split() == [str(CULL_IDLE_TIMEOUT), str(CULL_INTERVAL), "False", "False"]  # the file's other settings kept
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "jupyter_server_config.json").write_text("[]")
    with pytest.raises(ValueError, match="not a Jupyter configuration"):
        write_server_culling(tmp_path / "bad")


def test_the_proxy_is_pinned_by_the_lock_file():
    deploy = ROOT / "deploy" / "jupyterhub"
    wanted = json.loads((deploy / "package.json").read_text())["dependencies"]["configurable-http-proxy"]
    lock = json.loads((deploy / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/configurable-http-proxy"]
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", wanted) and locked["version"] == wanted
    assert all(p.get("integrity", "").startswith("sha512-") for k, p in lock["packages"].items() if k)
