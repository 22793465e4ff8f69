"""Running the kit for many users on one server with JupyterHub: a class, or a panel day.

The parts, each small: ``roster`` (who, in which role, under which account), ``accounts`` (one system account
and private home per user), ``auth`` (JupyterHub's authenticators held to the roster), ``spawner`` (each server
runs ``start`` as its user), ``start`` and ``voila`` (what a server runs: JupyterLab, or Voilà alone for a
candidate), ``collect``, ``handover`` and ``service`` (the audited way logs leave a home), and ``config`` (the hub's
configuration, read by deploy/jupyterhub/jupyterhub_config.py).  The command is ``itpm-sim hub`` (``./kit hub``);
the design and its trade-offs are in deploy/README.md.
"""
