"""JupyterHub's configuration for ITPM Sim on one server: read by `./kit hub` (``itpm-sim hub start``).

Everything is set by sim.hub.config from the settings ``itpm-sim hub start`` passes in the environment, so
that it can be tested; to change a setting, use that command's options (``./kit hub start --help``).
"""

import os

from sim.hub.config import configure

configure(c, os.environ)  # noqa: F821 (``c`` is JupyterHub's config object)
