"""The trainee app for JupyterLab and Voilà: a traitlets model (``model``) and ipywidgets views, one per stage."""

from .app import App, play
from .model import PlayModel

__all__ = ["App", "PlayModel", "play"]
