"""The Voilà server a panel runs (``python -m sim.panel.voila_server``): Voilà itself, with one fix.

Voilà answers a template URL that is not ``<template>/static/<file>`` (``/voila/templates/..%2F..%2Fsecret.key``)
with an internal error (500) from an assertion; here it is a plain 404, so that every URL that is not the app's
answers 403 or 404.  Nothing else changes.
"""

from __future__ import annotations

import tornado.web
from voila.app import Voila
from voila.static_file_handler import TemplateStaticFileHandler


class TemplateFiles(TemplateStaticFileHandler):
    def parse_url_path(self, path: str) -> str:
        parts = path.split("/", 2)
        if len(parts) < 3 or parts[1] != "static" or not parts[0] or not parts[2]:
            raise tornado.web.HTTPError(404)
        return super().parse_url_path(path)


class PanelVoila(Voila):
    def init_handlers(self) -> list:
        return [(route[0], TemplateFiles, *route[2:]) if route[1] is TemplateStaticFileHandler else route
                for route in super().init_handlers()]


if __name__ == "__main__":
    PanelVoila.launch_instance()
