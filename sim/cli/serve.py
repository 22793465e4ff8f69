"""The serve command: the play notebook (or another) as a web app with Voilà, idle kernels culled."""

from __future__ import annotations

import argparse

from .common import UsageError, bounded


def serve(args: argparse.Namespace) -> int:
    from sim.serve import ServeError
    from sim.serve import serve as run_server

    try:
        return run_server(args.notebook, args.port, host=args.host, cull_idle_timeout=args.cull_idle_timeout,
                          cull_interval=args.cull_interval)
    except ServeError as exc:
        raise UsageError(str(exc)) from None


def register(sub) -> None:
    from sim.serve import (
        CULL_IDLE_TIMEOUT,
        CULL_INTERVAL,
        DEFAULT_PORT,
        LOOPBACK,
        PLAY_NOTEBOOK,
    )

    p = sub.add_parser("serve", help="serve the play notebook with Voilà (no code on screen), culling idle kernels; "
                                     "stops cleanly on SIGTERM or Ctrl-C")
    p.add_argument("notebook", metavar="NOTEBOOK", nargs="?", default=str(PLAY_NOTEBOOK),
                   help="the notebook to serve (default the kit's notebooks/app.ipynb: the app alone, first on screen)")
    p.add_argument("--port", type=bounded(65535), default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    p.add_argument("--host", default=LOOPBACK, help=f"the interface to listen on (default {LOOPBACK}, this machine only)")
    seconds = bounded(7 * 24 * 3600)
    p.add_argument("--cull-idle-timeout", metavar="S", type=seconds, default=CULL_IDLE_TIMEOUT,
                   help=f"shut down a kernel no page is connected to after S idle seconds (default {CULL_IDLE_TIMEOUT})")
    p.add_argument("--cull-interval", metavar="S", type=seconds, default=CULL_INTERVAL,
                   help=f"look for such kernels every S seconds (default {CULL_INTERVAL})")
    p.set_defaults(handler=serve)
