"""A file's SHA-256 is remembered beside the models while the file stays as it was read, and read again after."""

from __future__ import annotations

import hashlib
import json

from kb import checksums


def test_a_digest_is_remembered_while_the_file_is_unchanged_and_read_again_after(tmp_path, monkeypatch):
    monkeypatch.setattr(checksums, "_SETTLED_SECONDS", -1.0)  # the test's files are seconds old
    cache, model = tmp_path / "models", tmp_path / "model.onnx"
    model.write_bytes(b"weights " * 1000)
    assert checksums.sha256(model, cache) == hashlib.sha256(model.read_bytes()).hexdigest()
    recorded = json.loads((cache / ".sha256.json").read_text())
    assert list(recorded) == [str(model.resolve())]
    # The record is what answers while size and times stand: a digest planted there is returned as it is.
    recorded[str(model.resolve())][3] = "planted"
    (cache / ".sha256.json").write_text(json.dumps(recorded))
    assert checksums.sha256(model, cache) == "planted"
    # Damaged in place, at the same size: its times move and it is read whole again.
    with open(model, "r+b") as handle:
        handle.write(b"damaged!")
    assert checksums.sha256(model, cache) == hashlib.sha256(model.read_bytes()).hexdigest()


def test_a_file_written_just_now_is_never_remembered_and_a_folder_that_cannot_be_written_keeps_none(
        tmp_path, monkeypatch):
    model = tmp_path / "model.onnx"
    model.write_bytes(b"fresh")
    assert checksums.sha256(model, tmp_path / "models") == hashlib.sha256(b"fresh").hexdigest()
    assert not (tmp_path / "models" / ".sha256.json").exists()
    monkeypatch.setattr(checksums, "_SETTLED_SECONDS", -1.0)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert checksums.sha256(model, blocked / "models") == hashlib.sha256(b"fresh").hexdigest()
