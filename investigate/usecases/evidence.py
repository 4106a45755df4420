"""Evidence anyone can check: the transparency log's keys, its tree, and proofs from it.

``prove`` answers with what an outsider needs and nothing of ours: the leaf's index, the signed
checkpoint (c2sp.org/tlog-checkpoint) whose tree holds it, the leaf record whose SHA-256 is the
tree's entry, and the RFC 9162 inclusion proof. Every proof is checked here against the signed
root before it is handed out, so a broken tree is refused, never served.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditlog.domain.errors import AuditError, ConfigError
from auditlog.domain.settings import Settings
from auditlog.investigate.usecases.refusals import Field, Refused
from auditlog.ledger import merkle, note, records, tiles
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.keys import init_key, load_public, public_path

# -- keys ----------------------------------------------------------------------------------------

def current_verifier(settings: Settings) -> note.Verifier:
    return note.verifier(settings.log_origin, load_public(settings.require_signing_key()))


def trusted_verifiers(settings: Settings) -> list[note.Verifier] | None:
    """The keys whose signatures verify trusts: every line of ``AUDITLOG_TRUSTED_KEYS`` (for this
    log's origin) and the current signing key; None when neither is configured."""
    found: list[note.Verifier] = []
    path = settings.trusted_keys
    if path is not None and path.exists():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip() and not line.lstrip().startswith("#"):
                try:
                    found.append(note.parse_vkey(line))
                except note.NoteError as exc:
                    raise ConfigError(f"AUDITLOG_TRUSTED_KEYS: {path}:{number}: {exc}") from exc
    if settings.signing_key is not None:
        found.append(current_verifier(settings))
    if not found and settings.signing_key is None:
        return None
    return list(dict.fromkeys(v for v in found if v.name == settings.log_origin))


@dataclass(frozen=True)
class Rotated:
    retired: Path  # where the old private key went
    old_vkey: str
    new_vkey: str
    trusted_keys: Path


def rotate_keys(settings: Settings) -> Rotated:
    """Start a new signing key: the old one is kept (renamed, ``.retired``), both verifier keys
    are in the trusted-keys file, so checkpoints signed before keep verifying."""
    path = settings.require_signing_key()
    trusted = settings.trusted_keys or path.parent / "trusted.vkeys"
    old = current_verifier(settings)
    _trust(trusted, old)
    retired = path.with_name(f"{path.name}.{old.key_id.hex()}.retired")
    path.rename(retired)
    if public_path(path).exists():
        public_path(path).rename(public_path(retired))
    new = note.verifier(settings.log_origin, init_key(path))
    _trust(trusted, new)
    return Rotated(retired, old.vkey(), new.vkey(), trusted)


def _trust(path: Path, verifier: note.Verifier) -> None:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if verifier.vkey() not in lines:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(verifier.vkey() + "\n")


def trust_current_key(settings: Settings) -> None:
    """Put the signing key's verifier key in the trusted-keys file (``keys init`` does)."""
    if settings.trusted_keys is not None:
        _trust(settings.trusted_keys, current_verifier(settings))


# -- the tree ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TreeBuilt:
    leaves: int  # added by this run
    size: int
    checkpoints: int  # tree checkpoints signed by this run


def build_tree(settings: Settings, *, until_idle: bool) -> TreeBuilt:
    """Run the tree builder (one per ledger): until stopped, or until it has caught up."""
    from auditlog.consumers.runner import Runner
    from auditlog.consumers.tree_builder import TreeBuilder

    built = Runner(TreeBuilder(settings)).run(until_idle)
    return TreeBuilt(built.leaves, built.size, built.checkpoints)


# -- serving the log ---------------------------------------------------------------------------

def newest_checkpoint(ledger: Ledger, settings: Settings) -> str | None:
    """The newest signed tree checkpoint's note (None: none signed yet)."""
    with ledger.reading() as unit:
        signed = unit.tree_checkpoints(settings.log_origin)
    return max(signed, key=lambda c: (c.size, c.id or 0)).note() if signed else None


def read_tile(ledger: Ledger, wanted: tiles.Tile) -> bytes | None:
    """A tile exactly as asked (a partial one cut from a wider tile at its place: a prefix of it)."""
    with ledger.reading() as unit:
        found = unit.tile(wanted.level, wanted.n, wanted.width)
    if found is None:
        return None
    per = tiles.HASH + 2 if wanted.level == tiles.ENTRIES else tiles.HASH
    return found[1][:wanted.width * per]


# -- proofs --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InclusionProof:
    event_id: str
    index: int
    tree_size: int
    entry: bytes  # SHA-256(record): the tree's entry for this leaf
    record: bytes  # the leaf record (records.leaf_record): kind, subject, previous leaf, canonical record
    proof: tuple[bytes, ...]
    checkpoint: str  # the signed note
    vkey: str | None  # the key that signed it, if it is the current one


def prove(ledger: Ledger, settings: Settings, event_id: str) -> InclusionProof:
    """The inclusion proof of an event in the newest signed tree that holds it."""
    with ledger.reading() as unit:
        leaf = unit.leaf_of_event(event_id)
        if leaf is None:
            raise Refused("no event ", Field("event_id"), f" {event_id} in the tree (not in the ledger, or the tree "
                          "builder has not reached it: `auditlog tree --until-idle`)")
        signed = unit.tree_checkpoint_covering(leaf.index, settings.log_origin)
        if signed is None:
            raise Refused(f"no signed checkpoint holds leaf {leaf.index} of event ", Field("event_id"),
                          " yet (sign one: `auditlog checkpoint`)")
        path = merkle.inclusion_proof(leaf.index, signed.size, unit.tile_cache().node_reader())
    record = leaf.leaf_record()
    entry = records.entry(record)
    try:
        merkle.verify_inclusion(leaf.index, signed.size, merkle.leaf_hash(entry), path, signed.root)
    except merkle.ProofError as exc:
        raise AuditError(f"the tree does not prove event {event_id} against its own checkpoint of "
                         f"{signed.size} ({exc}): run `auditlog verify`") from exc
    return InclusionProof(event_id, leaf.index, signed.size, entry, record, tuple(path), signed.note(),
                          _signer(settings, signed.note()))


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    proof: tuple[bytes, ...]
    old_checkpoint: str | None  # the signed notes at those sizes, if any
    new_checkpoint: str | None


def prove_consistency(ledger: Ledger, settings: Settings, old_size: int,
                      new_size: int | None = None) -> ConsistencyProof:
    """The RFC 9162 consistency proof between two sizes of the tree (new: the newest signed)."""
    with ledger.reading() as unit:
        signed = {cp.size: cp for cp in unit.tree_checkpoints(settings.log_origin)}
        if new_size is None:
            if not signed:
                raise Refused("no tree checkpoint is signed yet (sign one: `auditlog checkpoint`)")
            new_size = max(signed)
        built, _ = unit.tree_size()
        if new_size > built:
            raise Refused(Field("new_size"), f" {new_size} is larger than the tree ({built} leaves)")
        if old_size > new_size:
            raise Refused(Field("old_size"), f" {old_size} is larger than ", Field("new_size"), f" {new_size}")
        node = unit.tile_cache().node_reader()
        old_root, new_root = merkle.root(old_size, node), merkle.root(new_size, node)
        path = merkle.consistency_proof(old_size, new_size, node)
    merkle.verify_consistency(old_size, new_size, old_root, new_root, path)
    old_cp, new_cp = signed.get(old_size), signed.get(new_size)
    return ConsistencyProof(old_size, new_size, old_root, new_root, tuple(path),
                            old_cp.note() if old_cp else None, new_cp.note() if new_cp else None)


def _signer(settings: Settings, signed_note: str) -> str | None:
    """The verifier key, among the trusted ones, that signed the note (None: none of them)."""
    try:
        trusted = trusted_verifiers(settings) or []
        return note.open_note(signed_note, trusted)[1][0].vkey() if trusted else None
    except (ConfigError, note.NoteError):
        return None
