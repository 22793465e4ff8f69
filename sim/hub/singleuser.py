"""A trainee's or instructor's server: ``jupyterhub-singleuser``, without the hub's own web application loaded.

``python -m sim.hub.singleuser [OPTIONS]`` is what ``sim.hub.start`` runs for those roles (and ``sim.hub.voila``
calls ``lighten`` for a candidate's): JupyterHub's single-user server, JupyterLab and Voilà behind the hub's login,
the same in all it serves.  The one difference is memory.  JupyterHub's single-user extension imports one function,
``log_request``, from ``jupyterhub.log``, which imports the hub's own request handlers, spawners and metrics; and
its scope checks (``jupyterhub.scopes``) import the hub's database layer (``jupyterhub.orm`` with Alembic and
SQLAlchemy's ORM) for the group look-ups only a hub makes, with its database.  None of that runs in a user's
server, and it was 18 MB of each server's 133 MB of private memory (``benchmarks/kernel_memory.py``; issue 17).

So, in this process only:

- ``jupyterhub.log`` is a small module whose ``log_request`` is Jupyter Server's own (what every Jupyter server
  logs requests with when not behind a hub: it scrubs tokens from URLs and logs no cookie); any other name asked
  of it loads JupyterHub's real module then, so nothing the hub's code may ask for is missing;
- ``jupyterhub.orm`` and ``jupyterhub.roles`` are imported lazily: they run in full the first time any of their
  names is used, which a single-user server never does.

- ``rfc3987_syntax``, an optional checker of two JSON-schema string formats no schema here uses, is left out
  (``LEFT_OUT``: 16 MB more).

SQLAlchemy's core stays: ``jupyterhub.utils`` imports one of its exceptions.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

import jupyterhub

LOG = "jupyterhub.log"
# The hub's database layer: imported by jupyterhub.scopes, whose scope checks a single-user server runs with no
# database (only a hub passes one), so nothing here uses them. They load in full on the first use of any name.
LAZY = ("jupyterhub.orm", "jupyterhub.roles")
# jsonschema (Jupyter Server's event schemas) checks the "iri" and "iri-reference" string formats with
# rfc3987_syntax when it is installed, which builds a Lark parser of the RFC's grammar as it is imported: 16 MB of
# every server's private memory.  No schema a user's server validates uses those formats; without the module,
# jsonschema leaves them unchecked, as it does wherever rfc3987_syntax is not installed.
LEFT_OUT = ("rfc3987_syntax",)


class LazyFinder(importlib.abc.MetaPathFinder):
    """Imports the modules ``names`` lazily (``importlib.util.LazyLoader``): they run when first used, if ever."""

    def __init__(self, names: tuple[str, ...]):
        self.names = names

    def find_spec(self, fullname, path, target=None):
        if fullname not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def light_log() -> types.ModuleType:
    """A stand-in for ``jupyterhub.log``: Jupyter Server's ``log_request``, the rest loaded on first use."""
    from jupyter_server.log import log_request

    module = types.ModuleType(LOG, "jupyterhub.log for a single-user server (sim.hub.singleuser)")
    module.__dict__["log_request"] = log_request
    full: list[types.ModuleType] = []

    def __getattr__(name: str):
        if name.startswith("__"):  # the import system asks for __path__ and the like: not a name the hub's code uses
            raise AttributeError(name)
        if not full:  # JupyterHub's own module, loaded under another name: this one stays in sys.modules
            spec = importlib.util.spec_from_file_location("jupyterhub._log_of_the_hub", f"{jupyterhub.__path__[0]}/log.py")
            assert spec is not None and spec.loader is not None
            real = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(real)
            full.append(real)
        return getattr(full[0], name)

    module.__dict__["__getattr__"] = __getattr__  # a module's __getattr__ answers the names it lacks (PEP 562)
    return module


def lighten() -> None:
    """Make this process's later imports of JupyterHub's single-user server leave the hub's own parts out."""
    if LOG not in sys.modules:
        sys.modules[LOG] = light_log()
    if not any(isinstance(f, LazyFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, LazyFinder(LAZY))
    for name in LEFT_OUT:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None: importing it raises ImportError


def main(argv: list[str] | None = None) -> None:
    lighten()
    from jupyterhub.singleuser import main as singleuser

    sys.argv[1:] = sys.argv[1:] if argv is None else argv
    singleuser()


if __name__ == "__main__":
    main()
