"""Tamper evidence: HMAC-SHA256 signatures of a panel's files under the panel secret.

Each signed file gets a sidecar ``NAME.sig`` (JSON), rewritten atomically
after every save of the file: the panel's id, the key's id (an HMAC of a fixed
label, so two secrets can be told apart without revealing either) and the MAC
of the file's name and exact bytes.  Without the secret nobody can make a signature
that verifies, so an edited, foreign or unsigned file is recognised and said
why.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path

from sim.results.store import write_text
from sim.schema.files import UnreadableFile, read_bounded

SIGNATURE_FORMAT = "itpm-sim-signature/1"
ALGORITHM = "HMAC-SHA256"
SUFFIX = ".sig"
MAX_SIGNED_BYTES = 16 * 1024 * 1024  # a session log's limit
_KEY_LABEL = b"itpm-sim panel key id"
_DOMAIN = b"itpm-sim signed file\0"


def signature_path(path: str | Path) -> Path:
    """The sidecar that holds ``path``'s signature."""
    path = Path(path)
    return path.with_name(path.name + SUFFIX)


@dataclass(frozen=True)
class Key:
    """A panel's signing key: its secret bytes and the panel id signatures name."""

    secret: bytes
    panel: str

    @property
    def id(self) -> str:
        """Names the key in signatures without revealing it."""
        return hmac.new(self.secret, _KEY_LABEL, hashlib.sha256).hexdigest()[:16]

    def mac(self, data: bytes) -> str:
        return hmac.new(self.secret, _DOMAIN + data, hashlib.sha256).hexdigest()

    def _file_mac(self, name: str, data: bytes) -> str:
        """The MAC of a file's name and bytes: a signed file renamed or copied under another name no longer verifies."""
        return self.mac(name.encode("utf-8") + b"\0" + data)

    def sign(self, path: str | Path, data: bytes) -> Path:
        """Write the signature of ``data`` (the bytes just written to ``path``) atomically beside it."""
        path = Path(path)
        sidecar = {"format": SIGNATURE_FORMAT, "algorithm": ALGORITHM, "panel": self.panel, "key": self.id,
                   "file": path.name, "mac": self._file_mac(path.name, data)}
        return write_text(signature_path(path), json.dumps(sidecar, indent=1) + "\n")

    def sign_file(self, path: str | Path) -> Path:
        """Sign a file as it is on disk now."""
        return self.sign(path, read_bounded(path, MAX_SIGNED_BYTES))

    def check(self, path: str | Path) -> str:
        """Why the file at ``path`` does not carry this key's valid signature ("" if it does)."""
        path = Path(path)
        sidecar = signature_path(path)
        if not sidecar.exists():
            return f"unsigned: there is no signature ({sidecar.name} is missing)"
        try:
            sig = json.loads(read_bounded(sidecar, 64 * 1024).decode("utf-8"))
            if not isinstance(sig, dict):
                raise ValueError("not a JSON object")
        except (UnreadableFile, UnicodeDecodeError, ValueError) as exc:
            return f"the signature {sidecar.name} cannot be read ({exc})"
        if sig.get("format") != SIGNATURE_FORMAT or sig.get("algorithm") != ALGORITHM:
            return f"the signature {sidecar.name} is not an {ALGORITHM} signature of format {SIGNATURE_FORMAT!r}"
        if sig.get("key") != self.id:
            return (f"signed with another secret (key {str(sig.get('key'))[:16]!r}"
                    + (f" of panel {sig.get('panel')!r}" if sig.get("panel") != self.panel else "")
                    + f", expected this panel's key {self.id!r})")
        if sig.get("file") != path.name:
            return f"the signature is of another file ({sig.get('file')!r}, expected {path.name!r})"
        try:
            data = read_bounded(path, MAX_SIGNED_BYTES)
        except UnreadableFile as exc:
            return f"cannot be read ({exc})"
        if not hmac.compare_digest(str(sig.get("mac")), self._file_mac(path.name, data)):
            return "edited after it was signed: its bytes do not match its signature"
        return ""
