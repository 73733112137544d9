"""Signed checkpoints are C2SP tlog-checkpoint bodies in C2SP signed notes, Ed25519 as sumdb/note (issue 8)."""

import base64
import re
from pathlib import Path

import pytest

from disburse.domain.checkpoint import (
    Checkpoint,
    InvalidSignature,
    MalformedCheckpoint,
    MalformedKey,
    MalformedNote,
    NoteError,
    Signer,
    UnverifiedNote,
    format_verifier_key,
    generate_key,
    key_id,
    open_checkpoint,
    open_note,
    parse_signer_key,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
)
from disburse.domain.merkle import root

# The worked example of golang.org/x/mod/sumdb/note (note.go, package documentation): a signer key,
# its verifier key, a text and its signed note. Ed25519 is deterministic, so signing reproduces it.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (GO_TEXT + "\n— PeterNeumann "
           "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")

ORIGIN = "disburse/test-county"


@pytest.fixture(scope="module")
def keys() -> tuple[Signer, Signer]:
    mine, other = generate_key(ORIGIN), generate_key(ORIGIN)
    return parse_signer_key(mine[0]), parse_signer_key(other[0])


def a_checkpoint(size: int = 3) -> Checkpoint:
    return Checkpoint(ORIGIN, size, root([b"a", b"b", b"c"][:size]))


def test_signing_the_go_example_reproduces_its_signed_note() -> None:
    signer = parse_signer_key(GO_SIGNER)
    assert sign_note(GO_TEXT, signer) == GO_NOTE
    note = open_note(GO_NOTE, [parse_verifier_key(GO_VERIFIER)])
    assert note.text == GO_TEXT
    assert [(s.name, s.key_id) for s in note.signatures] == [("PeterNeumann", 0xC74F20A3)]


def test_the_go_example_keys_round_trip_and_match() -> None:
    signer, verifier = parse_signer_key(GO_SIGNER), parse_verifier_key(GO_VERIFIER)
    assert str(signer) == GO_SIGNER and str(verifier) == GO_VERIFIER
    assert signer.verifier == verifier
    assert key_id("PeterNeumann", verifier.public_key) == 0xC74F20A3
    assert format_verifier_key("PeterNeumann", verifier.public_key) == GO_VERIFIER


def test_a_generated_key_pair_round_trips_through_its_strings() -> None:
    signer_text, verifier_text = generate_key(ORIGIN)
    assert signer_text.startswith(f"PRIVATE+KEY+{ORIGIN}+") and verifier_text.startswith(f"{ORIGIN}+")
    signer, verifier = parse_signer_key(signer_text), parse_verifier_key(verifier_text)
    assert str(signer) == signer_text and str(verifier) == verifier_text
    assert signer.verifier == verifier
    name, hex_id, b64 = verifier_text.split("+", 2)
    assert int(hex_id, 16) == key_id(name, base64.b64decode(b64)[1:]) and base64.b64decode(b64)[0] == 1


@pytest.mark.parametrize("text", [
    "", "PeterNeumann", "PeterNeumann+c74f20a3", "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key ID
    "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # not base64 of 33 bytes
    "PeterNeumann+c74f20a3+ApqcnZ2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10",  # algorithm 2
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T!",
    GO_SIGNER,
])
def test_a_malformed_verifier_key_is_refused(text: str) -> None:
    with pytest.raises(MalformedKey):
        parse_verifier_key(text)


@pytest.mark.parametrize("text", [
    GO_VERIFIER, "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
    "PRIVATE+KEYS+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
    "PRIVATE+KEY+Peter+Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
])
def test_a_malformed_signer_key_is_refused(text: str) -> None:
    with pytest.raises(MalformedKey):
        parse_signer_key(text)


@pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\there"])
def test_a_key_name_with_a_space_or_plus_cannot_be_generated(name: str) -> None:
    with pytest.raises(MalformedKey):
        generate_key(name)


def test_a_checkpoint_body_is_origin_size_and_base64_root() -> None:
    checkpoint = a_checkpoint()
    assert checkpoint.text() == f"{ORIGIN}\n3\n{base64.b64encode(checkpoint.root).decode()}\n"
    assert Checkpoint.parse(checkpoint.text()) == checkpoint
    with_extension = Checkpoint(ORIGIN, 3, checkpoint.root, ("ext one",))
    assert Checkpoint.parse(with_extension.text()) == with_extension


def test_a_signed_checkpoint_opens_to_the_same_checkpoint(keys: tuple[Signer, Signer]) -> None:
    mine, _ = keys
    note = sign_checkpoint(a_checkpoint(), mine)
    text, _, signature_line = note.partition("\n\n")
    assert text + "\n" == a_checkpoint().text()
    assert signature_line.startswith(f"— {ORIGIN} ") and signature_line.endswith("\n")
    blob = base64.b64decode(signature_line.split()[-1])
    assert int.from_bytes(blob[:4], "big") == mine.key_id and len(blob) == 4 + 64
    assert open_checkpoint(note, [mine.verifier], origin=ORIGIN) == a_checkpoint()
    assert open_checkpoint(note.encode(), [mine.verifier]) == a_checkpoint()


def test_a_changed_body_fails_the_signature(keys: tuple[Signer, Signer]) -> None:
    mine, _ = keys
    note = sign_checkpoint(a_checkpoint(3), mine)
    forged = note.replace(f"{ORIGIN}\n3\n", f"{ORIGIN}\n2\n", 1)
    with pytest.raises(InvalidSignature):
        open_checkpoint(forged, [mine.verifier])


def test_a_bad_signature_by_the_known_key_fails(keys: tuple[Signer, Signer]) -> None:
    mine, _ = keys
    text, _, line = sign_checkpoint(a_checkpoint(), mine).partition("\n\n")
    blob = bytearray(base64.b64decode(line.split()[-1]))
    blob[10] ^= 1
    forged = f"{text}\n\n— {ORIGIN} {base64.b64encode(bytes(blob)).decode()}\n"
    with pytest.raises(InvalidSignature):
        open_checkpoint(forged, [mine.verifier])


def test_a_checkpoint_signed_by_another_key_of_the_same_name_is_unverified(keys: tuple[Signer, Signer]) -> None:
    mine, other = keys
    with pytest.raises(UnverifiedNote):
        open_checkpoint(sign_checkpoint(a_checkpoint(), other), [mine.verifier])


def test_a_signature_under_an_unknown_key_name_is_unverified(keys: tuple[Signer, Signer]) -> None:
    mine, _ = keys
    stranger = Signer("someone.example/else", mine.seed)
    with pytest.raises(UnverifiedNote):
        open_note(sign_note(a_checkpoint().text(), stranger), [mine.verifier])


def test_unknown_signatures_beside_a_valid_one_are_ignored(keys: tuple[Signer, Signer]) -> None:
    mine, other = keys
    note = sign_note(a_checkpoint().text(), other, mine)
    opened = open_note(note, [mine.verifier])
    assert [s.key_id for s in opened.signatures] == [mine.key_id]


def test_a_checkpoint_must_be_signed_by_its_own_log(keys: tuple[Signer, Signer]) -> None:
    mine, _ = keys
    witness = Signer("witness.example", mine.seed)
    note = sign_note(a_checkpoint().text(), witness)
    with pytest.raises(UnverifiedNote):
        open_checkpoint(note, [witness.verifier, mine.verifier])
    with pytest.raises(NoteError):
        sign_checkpoint(a_checkpoint(), witness)


def test_a_checkpoint_of_another_log_is_refused(keys: tuple[Signer, Signer]) -> None:
    mine, _ = keys
    with pytest.raises(MalformedCheckpoint):
        open_checkpoint(sign_checkpoint(a_checkpoint(), mine), [mine.verifier], origin="disburse/elsewhere")


@pytest.mark.parametrize("message", [
    "no blank line\n— x AAAAAAA=\n",
    "text\n\n— x AAAAAAA=",  # no final newline
    "text\n\n",  # no signature
    "text\n\n- x AAAAAAAA\n",  # hyphen, not em dash
    "text\n\n— x not-base64!\n",
    "text\n\n— x AAAA\n",  # shorter than a key ID and one byte
    "text\n\n—  AAAAAAAA\n",  # empty key name
    "text\twith a tab\n\n— x AAAAAAAA\n",
])
def test_malformed_notes_are_refused(keys: tuple[Signer, Signer], message: str) -> None:
    with pytest.raises(MalformedNote):
        open_note(message, [keys[0].verifier])


def test_a_note_that_is_not_utf8_is_refused(keys: tuple[Signer, Signer]) -> None:
    with pytest.raises(MalformedNote):
        open_note(b"\xff\xfe\n\n\xe2\x80\x94 x AAAAAAAA\n", [keys[0].verifier])


@pytest.mark.parametrize("text", [
    "origin\n3\n", "origin\n03\nAAAA\n", "origin\n-3\nAAAA\n", "origin\nthree\nAAAA\n",
    "origin\n3\nnot base64\n", "origin\n3\nAAAA\n",  # a 3-byte root
    "\n3\n" + base64.b64encode(bytes(32)).decode() + "\n",
    "origin\n3\n" + base64.b64encode(bytes(32)).decode() + "\n\nextension after a blank line\n",
    "origin\n3\n" + base64.b64encode(bytes(32)).decode(),  # no final newline
    "origin\n３\n" + base64.b64encode(bytes(32)).decode() + "\n",  # a full-width digit
])
def test_a_text_that_is_not_a_checkpoint_is_refused(text: str) -> None:
    with pytest.raises(MalformedCheckpoint):
        Checkpoint.parse(text)


def test_a_validly_signed_note_that_is_no_checkpoint_is_refused(keys: tuple[Signer, Signer]) -> None:
    mine, _ = keys
    with pytest.raises(MalformedCheckpoint):
        open_checkpoint(sign_note(f"{ORIGIN}\nnot a size\n", mine), [mine.verifier])


def test_the_empty_log_has_a_checkpoint_too(keys: tuple[Signer, Signer]) -> None:
    mine, _ = keys
    empty = Checkpoint(ORIGIN, 0, root([]))
    assert empty.text() == f"{ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    assert open_checkpoint(sign_checkpoint(empty, mine), [mine.verifier]) == empty


def test_a_cut_over_checkpoint_signed_by_the_old_and_new_key_opens_with_either(keys: tuple[Signer, Signer]) -> None:
    old, new = keys
    note = sign_checkpoint(a_checkpoint(), old, new)
    assert note.count(f"\n— {ORIGIN} ") == 2
    assert open_checkpoint(note, [old.verifier]) == open_checkpoint(note, [new.verifier]) == a_checkpoint()


def test_the_documented_example_checkpoint_verifies_with_the_documented_key() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "audit-proofs.md").read_text(encoding="utf-8")
    note = re.search(r"```\n(disburse/qujing\n40\n.*?\n)```", doc, re.S)
    key_line = re.search(r"^disburse/qujing\+38609332\+\S+$", doc, re.M)
    assert note is not None and key_line is not None
    checkpoint = open_checkpoint(note.group(1), [parse_verifier_key(key_line.group(0))], origin="disburse/qujing")
    assert checkpoint.size == 40
