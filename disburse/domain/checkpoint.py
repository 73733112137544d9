"""Signed checkpoints of the audit log: C2SP tlog-checkpoint bodies in C2SP signed notes (SPEC §8, issue 8).

A checkpoint says "the log called ``origin`` had ``size`` entries and this Merkle root"
(https://c2sp.org/tlog-checkpoint)::

    disburse/qujing
    40
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

It is published as a signed note (https://c2sp.org/signed-note, the format of Go's
``golang.org/x/mod/sumdb/note``): the text, a blank line, and one line per signature,
``— <key name> base64(key ID ‖ Ed25519 signature of the text)``, where the key ID is the first four
bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key).

Keys are written as sumdb/note writes them: the verifier key ``<name>+<key ID hex>+base64(0x01 ‖
public key)`` is what inspectors keep; the signer key ``PRIVATE+KEY+<name>+<key ID hex>+base64(0x01 ‖
seed)`` is the secret the application signs with. The key name is the log's origin.

docs/audit-proofs.md explains keys, rotation and what inspectors do with checkpoints.
"""

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
_SIG_PREFIX = "— "  # em dash U+2014, space
_MAX_SIGNATURES = 100  # as sumdb/note; the spec asks verifiers to accept at least 16
_KEY_ID_HEX = re.compile(r"[0-9a-fA-F]{8}")


class NoteError(ValueError):
    """A signed note, a key or a checkpoint that cannot be accepted."""


class MalformedKey(NoteError):
    """A key string that is not ``name+keyid+base64`` (or ``PRIVATE+KEY+…``), or whose key ID is wrong."""


class MalformedNote(NoteError):
    """Text that is not a signed note: no blank line before the signatures, a bad signature line, …"""


class MalformedCheckpoint(NoteError):
    """A note whose text is not a checkpoint body (origin, size, base64 root, extension lines)."""


class InvalidSignature(NoteError):
    """A signature by a known key (name and key ID match) that does not verify."""


class UnverifiedNote(NoteError):
    """A note with no signature by a known key (only unknown keys, or none from the log's own key)."""


def valid_name(name: str) -> bool:
    """A key name or origin: non-empty, with no Unicode space and no ``+`` (signed-note)."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def key_id(name: str, public_key: bytes) -> int:
    """The key ID: the first four bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class Verifier:
    """A public Ed25519 key under a name: checks signatures."""

    name: str
    public_key: bytes = field(repr=False)

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except _CryptoInvalidSignature:
            return False
        return True

    def __str__(self) -> str:
        """The verifier key string ``name+keyid+base64(0x01 ‖ public key)``."""
        return format_verifier_key(self.name, self.public_key)


@dataclass(frozen=True)
class Signer:
    """A private Ed25519 key (its 32-byte seed) under a name: signs notes."""

    name: str
    seed: bytes = field(repr=False)

    @property
    def public_key(self) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key)

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key)

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)

    def __str__(self) -> str:
        """The signer key string ``PRIVATE+KEY+name+keyid+base64(0x01 ‖ seed)`` — a secret."""
        body = base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{body}"


def generate_key(name: str) -> tuple[str, str]:
    """A new Ed25519 key pair for ``name``: (signer key string, verifier key string), as sumdb/note."""
    if not valid_name(name):
        raise MalformedKey(f"invalid key name {name!r}: it must be non-empty, without spaces or '+'")
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    signer = Signer(name, seed)
    return str(signer), str(signer.verifier)


def format_verifier_key(name: str, public_key: bytes) -> str:
    """The verifier key string for a name and a 32-byte Ed25519 public key."""
    if not valid_name(name):
        raise MalformedKey(f"invalid key name {name!r}")
    if len(public_key) != 32:
        raise MalformedKey("an Ed25519 public key is 32 bytes")
    body = base64.b64encode(bytes([ALG_ED25519]) + public_key).decode()
    return f"{name}+{key_id(name, public_key):08x}+{body}"


def _key_parts(name: str, hex_id: str, b64: str) -> tuple[int, bytes]:
    if not valid_name(name) or not _KEY_ID_HEX.fullmatch(hex_id):
        raise MalformedKey("malformed key: expected name+8 hex digits+base64")
    try:
        raw = base64.b64decode(b64, validate=True)
    except binascii.Error as exc:
        raise MalformedKey("malformed key: the key data is not base64") from exc
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise MalformedKey("unsupported key: only Ed25519 (algorithm 1, 32 bytes) is known")
    return int(hex_id, 16), raw[1:]


def parse_verifier_key(text: str) -> Verifier:
    """The :class:`Verifier` of a verifier key string; its key ID must match its name and key."""
    parts = text.strip().split("+", 2)  # the base64 may itself contain '+'
    if len(parts) != 3:
        raise MalformedKey("malformed verifier key: expected name+keyid+base64")
    expected_id, public_key = _key_parts(*parts)
    verifier = Verifier(parts[0], public_key)
    if verifier.key_id != expected_id:
        raise MalformedKey("verifier key ID does not match its name and key")
    return verifier


def parse_signer_key(text: str) -> Signer:
    """The :class:`Signer` of a signer key string; its key ID must match the derived public key."""
    parts = text.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise MalformedKey("malformed signer key: expected PRIVATE+KEY+name+keyid+base64")
    expected_id, seed = _key_parts(*parts[2:])
    signer = Signer(parts[2], seed)
    if signer.key_id != expected_id:
        raise MalformedKey("signer key ID does not match its name and key")
    return signer


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    signature: bytes = field(repr=False)


@dataclass(frozen=True)
class Note:
    """An opened note: its text and the signatures that verified by known keys."""

    text: str
    signatures: tuple[Signature, ...]


def sign_note(text: str, *signers: Signer) -> str:
    """The signed note of ``text`` (which must end in a newline) with one signature line per signer."""
    if not text.endswith("\n"):
        raise MalformedNote("a note's text must end with a newline")
    _check_characters(text)
    if not signers:
        raise NoteError("a note needs at least one signer")
    lines = []
    for signer in signers:
        if not valid_name(signer.name):
            raise MalformedKey(f"invalid key name {signer.name!r}")
        blob = signer.key_id.to_bytes(4, "big") + signer.sign(text.encode())
        lines.append(f"{_SIG_PREFIX}{signer.name} {base64.b64encode(blob).decode()}\n")
    return text + "\n" + "".join(lines)


def _check_characters(text: str) -> None:
    if any(ch < " " and ch != "\n" for ch in text):
        raise MalformedNote("a note must not contain control characters other than newline")


def open_note(message: str | bytes, verifiers: Iterable[Verifier]) -> Note:
    """Parse a signed note and verify its signatures against the known ``verifiers``.

    signed-note: signatures by unknown keys (name and key ID not both known) are ignored; a
    signature by a known key must verify (:class:`InvalidSignature`); at least one must
    (:class:`UnverifiedNote`). The text is what precedes the last blank line.
    """
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedNote("a note must be UTF-8") from exc
    _check_characters(message)
    split = message.rfind("\n\n")
    if split < 0:
        raise MalformedNote("no blank line before the signatures")
    text, block = message[: split + 1], message[split + 2:]
    if not block.endswith("\n"):
        raise MalformedNote("the signature block must end with a newline")
    known = {(verifier.name, verifier.key_id): verifier for verifier in verifiers}
    verified: list[Signature] = []
    lines = block[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise MalformedNote("too many signatures")
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise MalformedNote(f"not a signature line: {line[:40]!r}")
        name, _, b64 = line[len(_SIG_PREFIX):].partition(" ")
        try:
            blob = base64.b64decode(b64, validate=True)
        except binascii.Error as exc:
            raise MalformedNote("a signature is not base64") from exc
        if not valid_name(name) or len(blob) < 5:
            raise MalformedNote(f"malformed signature line: {line[:40]!r}")
        signature = Signature(name, int.from_bytes(blob[:4], "big"), blob[4:])
        key = known.get((signature.name, signature.key_id))
        if key is None or any((s.name, s.key_id) == (signature.name, signature.key_id) for s in verified):
            continue  # an unknown key's signature is ignored, a known key's counted once
        if not key.verify(text.encode(), signature.signature):
            raise InvalidSignature(f"invalid signature for key {name}+{signature.key_id:08x}")
        verified.append(signature)
    if not verified:
        raise UnverifiedNote("no signature by a known key")
    return Note(text, tuple(verified))


@dataclass(frozen=True)
class Checkpoint:
    """A tlog-checkpoint body: the log's origin, its size and the Merkle root at that size."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise MalformedCheckpoint("the origin must be one non-empty line")
        if self.size < 0:
            raise MalformedCheckpoint("the size cannot be negative")
        if len(self.root) != 32:
            raise MalformedCheckpoint("the root must be a 32-byte SHA-256 hash")
        if any(not line or "\n" in line for line in self.extensions):
            raise MalformedCheckpoint("extension lines must be non-empty single lines")

    def text(self) -> str:
        """The note text: origin, size, base64 root, extension lines, each ending in a newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> "Checkpoint":
        """The checkpoint a note's text holds (:class:`MalformedCheckpoint` if it holds none)."""
        if not text.endswith("\n"):
            raise MalformedCheckpoint("a checkpoint ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(not line for line in lines):
            raise MalformedCheckpoint("a checkpoint is at least three non-empty lines")
        origin, size_text, root_text, *extensions = lines
        if not size_text.isascii() or not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise MalformedCheckpoint(f"the size {size_text!r} is not a decimal number without leading zeros")
        try:
            root_hash = base64.b64decode(root_text, validate=True)
        except binascii.Error as exc:
            raise MalformedCheckpoint("the root is not base64") from exc
        if base64.b64encode(root_hash).decode() != root_text:
            raise MalformedCheckpoint("the root is not in canonical base64")
        return cls(origin, int(size_text), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, *signers: Signer) -> str:
    """The signed note of a checkpoint; every key's name must be the checkpoint's origin.

    More than one signer is for a key rotation: the cut-over checkpoint is signed by the old key
    and the new one (docs/audit-proofs.md §3.1).
    """
    for signer in signers:
        if signer.name != checkpoint.origin:
            raise NoteError(f"the key {signer.name!r} is not a key of the log {checkpoint.origin!r}")
    return sign_note(checkpoint.text(), *signers)


def open_checkpoint(message: str | bytes, verifiers: Iterable[Verifier], origin: str | None = None) -> Checkpoint:
    """The checkpoint a signed note holds, once signed by a known key named as its origin.

    A note that is not a checkpoint, is from another log than ``origin`` (when given), carries a
    bad signature by a known key, or no signature by a known key of its origin, is refused with
    the matching :class:`NoteError`.
    """
    note = open_note(message, verifiers)
    checkpoint = Checkpoint.parse(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise MalformedCheckpoint(f"checkpoint of the log {checkpoint.origin!r}, not {origin!r}")
    if not any(s.name == checkpoint.origin for s in note.signatures):
        raise UnverifiedNote(f"no signature by a known key of {checkpoint.origin!r}")
    return checkpoint
