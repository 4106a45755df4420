"""Signed notes (c2sp.org/signed-note) and checkpoints (c2sp.org/tlog-checkpoint) with Ed25519.

A checkpoint's text is three lines, each ending in a newline: the origin, the tree size in
decimal, the root hash in base64. The note is that text, an empty line, then one line per
signature: ``— <key name> <base64(key ID || signature)>``, where the key name is the origin,
the key ID is ``SHA-256(name || 0x0A || 0x01 || public key)[:4]`` and the signature is Ed25519
over the text. A verifier key is ``<name>+<hex key ID>+<base64(0x01 || public key)>``, the form
Go's golang.org/x/mod/sumdb/note reads.

A verifier trusts only the keys it is given (name, key ID and key must all match; a signature
by any other key is ignored, never taken as the log's word) and only the origin it expects:
trusting an identity the server reports was CVE-2022-39199.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
_DASH = "\u2014 "  # an em dash and a space open every signature line


class NoteError(ValueError):
    """A note or key that cannot be read, or whose signature does not verify."""


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_hash(name: str, public: bytes) -> bytes:
    """The 4-byte key ID of an Ed25519 key under ``name``."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ED25519]) + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"key name {name!r}: must be non-empty, without spaces or '+'")


@dataclass(frozen=True)
class Verifier:
    name: str
    public: bytes  # the raw 32-byte Ed25519 key

    @property
    def key_id(self) -> bytes:
        return key_hash(self.name, self.public)

    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(bytes([ED25519]) + self.public).decode()}"

    def verifies(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, text)
        except InvalidSignature:
            return False
        return True


def verifier(name: str, public: Ed25519PublicKey) -> Verifier:
    _check_name(name)
    return Verifier(name, raw_public(public))


def parse_vkey(text: str) -> Verifier:
    parts = text.strip().split("+", 2)  # the base64 key may hold "+" itself
    if len(parts) != 3:
        raise NoteError(f"{text.strip()!r} is not a verifier key (<name>+<hex key ID>+<base64 key>)")
    name, hex_id, key_text = parts
    _check_name(name)
    try:
        key = base64.b64decode(key_text, validate=True)
        key_id = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"verifier key {name}: {exc}") from exc
    if len(key) != 33 or key[0] != ED25519:
        raise NoteError(f"verifier key {name}: not an Ed25519 key (0x01 and 32 bytes)")
    if len(key_id) != 4 or key_hash(name, key[1:]) != key_id:
        raise NoteError(f"verifier key {name}: the key ID does not match the key")
    return Verifier(name, key[1:])


def sign(text: str, name: str, key: Ed25519PrivateKey) -> str:
    """The signed note: ``text`` (ending in a newline), an empty line, one signature line."""
    if not text.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    _check_name(name)
    signature = key.sign(text.encode("utf-8"))
    kid = key_hash(name, raw_public(key.public_key()))
    return f"{text}\n{_DASH}{name} {base64.b64encode(kid + signature).decode()}\n"


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes


def split(note: str) -> tuple[str, list[Signature]]:
    """A note's text and its signature lines (nothing verified yet)."""
    text, sep, block = note.rpartition("\n\n")
    if not sep or not block.endswith("\n"):
        raise NoteError("not a signed note (text, an empty line, signature lines)")
    text += "\n"
    signatures = []
    for line in block[:-1].split("\n"):
        if not line.startswith(_DASH):
            raise NoteError(f"not a signature line: {line[:40]!r}")
        name, _, blob = line[len(_DASH):].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error as exc:
            raise NoteError(f"signature of {name}: not base64") from exc
        if len(raw) < 5:
            raise NoteError(f"signature of {name}: too short")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return text, signatures


def open_note(note: str, trusted: Iterable[Verifier]) -> tuple[str, list[Verifier]]:
    """The note's text and the trusted keys that signed it; NoteError unless one did. A signature
    by a trusted key's name and ID that does not verify fails the whole note."""
    text, signatures = split(note)
    keys = {(v.name, v.key_id): v for v in trusted}
    signers = []
    for s in signatures:
        v = keys.get((s.name, s.key_id))
        if v is None:
            continue
        if not v.verifies(text.encode("utf-8"), s.signature):
            raise NoteError(f"the signature of {s.name} ({s.key_id.hex()}) does not verify")
        signers.append(v)
    if not signers:
        raise NoteError("no signature by a trusted key")
    return text, signers


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has an origin, a size and a root hash, each on its own line")
    origin, size_text, root_text, *extensions = lines[:-1]
    if not origin:
        raise NoteError("a checkpoint's origin is empty")
    if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
        raise NoteError(f"checkpoint size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as exc:
        raise NoteError("checkpoint root is not base64") from exc
    if len(root) != 32:
        raise NoteError("checkpoint root is not a 32-byte hash")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def open_checkpoint(note: str, origin: str, trusted: Iterable[Verifier]) -> Checkpoint:
    """A checkpoint signed by a trusted key for ``origin``; the origin is pinned by the verifier,
    never taken from the note."""
    text, _ = open_note(note, [v for v in trusted if v.name == origin])
    checkpoint = parse_checkpoint(text)
    if checkpoint.origin != origin:
        raise NoteError(f"checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    return checkpoint
