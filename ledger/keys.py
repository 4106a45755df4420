"""Ed25519 keys that sign checkpoints: a private key file and its ``.pub`` beside it.

The writer needs the private key (``AUDITLOG_SIGNING_KEY``); a verifier needs only
the public one, at the same path plus ``.pub``. Both are PEM files.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from auditlog.domain.errors import AuditError, ConfigError


def public_path(private_path: Path) -> Path:
    return private_path.with_name(private_path.name + ".pub")


def key_id(public: Ed25519PublicKey) -> str:
    """A short name for a public key: hex of the first 16 bytes of SHA-256 of its raw bytes."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


def init_key(path: Path, *, overwrite: bool = False) -> Ed25519PublicKey:
    """Make a new (development) key pair at ``path`` and ``path.pub``; refuse to replace one."""
    if path.exists() and not overwrite:
        raise AuditError(f"{path} already exists; refusing to replace a signing key")
    path.parent.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # never readable by others
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    public = private.public_key()
    public_path(path).write_bytes(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return public


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"AUDITLOG_SIGNING_KEY: cannot read an Ed25519 key from {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"AUDITLOG_SIGNING_KEY: {path} is not an Ed25519 private key")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    """The public key for the signing key at ``path``: from ``path.pub``, else derived from ``path``."""
    pub = public_path(path)
    if not pub.exists():
        return load_private(path).public_key()
    try:
        key = serialization.load_pem_public_key(pub.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"AUDITLOG_SIGNING_KEY: cannot read an Ed25519 public key from {pub}: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"AUDITLOG_SIGNING_KEY: {pub} is not an Ed25519 public key")
    return key
