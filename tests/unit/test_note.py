"""Signed notes and checkpoints, held to Go's golang.org/x/mod/sumdb/note test vectors."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auditlog.ledger import note

# sumdb/note's note_test.go: a signer key, its verifier key, and the note it signs
GO_SKEY_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = GO_TEXT + ("\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqf"
                     "qdngotpRZb6KE6RyyBwJnAM=\n")
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"


def test_key_id_vkey_and_signature_match_go() -> None:
    key = Ed25519PrivateKey.from_private_bytes(GO_SKEY_SEED)
    v = note.verifier("PeterNeumann", key.public_key())
    assert v.vkey() == GO_VKEY
    assert note.parse_vkey(GO_VKEY) == v
    assert note.sign(GO_TEXT, "PeterNeumann", key) == GO_NOTE  # Ed25519 is deterministic


def test_open_trusts_only_the_given_keys() -> None:
    peter, enoch = note.parse_vkey(GO_VKEY), note.parse_vkey(ENOCH_VKEY)
    text, signers = note.open_note(GO_NOTE, [peter, enoch])
    assert (text, signers) == (GO_TEXT, [peter])
    with pytest.raises(note.NoteError, match="no signature by a trusted key"):
        note.open_note(GO_NOTE, [enoch])
    forged = GO_NOTE.replace("don't", "do")
    with pytest.raises(note.NoteError, match="does not verify"):
        note.open_note(forged, [peter])


@pytest.mark.parametrize("bad", [GO_VKEY[:-1], GO_VKEY.replace("c74f20a3", "c74f20a4"), "PeterNeumann+c74f20a3",
                                 GO_VKEY.replace("+ARpc", "+AXpc"), "Peter Neumann+c74f20a3+ARpc"])
def test_mangled_verifier_keys_are_refused(bad: str) -> None:
    with pytest.raises(note.NoteError):
        note.parse_vkey(bad)


def test_a_checkpoint_opens_only_for_its_pinned_origin() -> None:
    key = Ed25519PrivateKey.generate()
    origin = "auditlog.example.org/ledger"
    cp = note.Checkpoint(origin, 42, bytes(range(32)))
    assert cp.text() == f"{origin}\n42\n{base64.b64encode(bytes(range(32))).decode()}\n"
    signed = note.sign(cp.text(), origin, key)
    trusted = [note.verifier(origin, key.public_key())]
    assert note.open_checkpoint(signed, origin, trusted) == cp
    # the same key under another name, or a note claiming another origin: refused
    other = note.sign(note.Checkpoint("evil.example/log", 42, bytes(32)).text(), origin, key)
    with pytest.raises(note.NoteError, match="not 'auditlog.example.org/ledger'"):
        note.open_checkpoint(other, origin, trusted)
    with pytest.raises(note.NoteError):
        note.open_checkpoint(signed, "evil.example/log", [note.verifier("evil.example/log", key.public_key())])


def test_a_verifier_key_whose_base64_holds_a_plus_reads_back() -> None:
    vkeys = (note.verifier("log.example/x", Ed25519PrivateKey.from_private_bytes(bytes([i]) * 32).public_key()).vkey()
             for i in range(64))
    vkey = next(v for v in vkeys if "+" in v.split("+", 2)[2])
    assert note.parse_vkey(vkey).vkey() == vkey
