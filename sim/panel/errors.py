"""The one error a panel's files raise."""


class PanelError(ValueError):
    """A panel folder or one of its files cannot be made or read: the message names the file and what is wrong."""
