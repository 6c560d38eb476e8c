"""Checkpoints: the atomic write, what an entry holds, verification, versioning, and
falling back to the previous good entry."""

import json
import os
import warnings
import zipfile

import numpy as np
import pytest

from sklearn_pylearn.runtime import (
    CALL,
    REPEAT,
    Checkpoint,
    CheckpointNotFoundError,
    CheckpointVersionError,
    CorruptCheckpointError,
    CorruptCheckpointWarning,
    History,
    StateError,
    UntrustedReferenceError,
    VirtualMachine,
    latest_checkpoint,
    list_checkpoints,
    load_latest,
    read_checkpoint,
    write_checkpoint,
)
from sklearn_pylearn.runtime import checkpoint as ckpt_module
from tests.runtime.fixtures import (
    final_params,
    make_context,
    make_program,
    run_reference,
)


def state_tree():
    return {
        "model": {"W": np.arange(6.0).reshape(2, 3), "b": np.float32(0.5)},
        "rng": np.random.default_rng(3),
        "legacy": np.random.RandomState(4),
        "meta": {"shape": (2, 3), "name": "x", "nan": float("nan"), 1: "int key"},
        "ints": np.arange(3, dtype=np.int16),
    }


def test_write_and_read_round_trip(tmp_path):
    path = write_checkpoint(tmp_path, state_tree(), step=12)
    assert path.name == "ckpt-000001-step000000012"
    assert sorted(os.listdir(path)) == ["arrays.npz", "manifest.json", "state.json"]
    back = read_checkpoint(path)
    assert back["model"]["W"].tolist() == np.arange(6.0).reshape(2, 3).tolist()
    assert back["model"]["b"].dtype == np.float32 and back["model"]["b"] == 0.5
    assert back["rng"].random() == np.random.default_rng(3).random()
    assert back["legacy"].rand() == np.random.RandomState(4).rand()
    assert back["meta"]["shape"] == (2, 3) and back["meta"][1] == "int key"
    assert np.isnan(back["meta"]["nan"])
    assert back["ints"].dtype == np.int16


def test_arrays_have_hierarchical_names(tmp_path):
    path = write_checkpoint(tmp_path, state_tree(), step=1)
    with zipfile.ZipFile(path / "arrays.npz") as zf:
        names = sorted(zf.namelist())
    assert "model/W.npy" in names and "model/b.npy" in names and "ints.npy" in names


def test_manifest_holds_versions_and_checksums(tmp_path):
    path = write_checkpoint(tmp_path, {"x": 1}, step=3)
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["format_version"] == ckpt_module.FORMAT_VERSION
    assert manifest["library_version"] == ckpt_module.library_version()
    assert manifest["step"] == 3 and manifest["seq"] == 1
    assert set(manifest["files"]) == {"state.json", "arrays.npz"}


def test_unstorable_values_are_refused_with_their_place(tmp_path):
    with pytest.raises(StateError, match="cannot store 'a/b': a object is not"):
        write_checkpoint(tmp_path, {"a": {"b": object()}}, step=0)
    with pytest.raises(StateError, match="object-dtype array needs pickle"):
        write_checkpoint(tmp_path, {"a": np.array([None])}, step=0)
    assert list_checkpoints(tmp_path) == []


def test_a_crash_mid_write_leaves_no_entry(tmp_path, monkeypatch):
    write_checkpoint(tmp_path, {"x": 1}, step=1)

    def die(*args):
        raise KeyboardInterrupt("killed mid-write")

    monkeypatch.setattr(ckpt_module.os, "rename", die)
    with pytest.raises(KeyboardInterrupt):
        write_checkpoint(tmp_path, {"x": 2}, step=2)
    monkeypatch.undo()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    assert len(leftovers) == 1
    assert [p.name for p in list_checkpoints(tmp_path)] == ["ckpt-000001-step000000001"]
    assert load_latest(tmp_path)[1] == {"x": 1}
    write_checkpoint(tmp_path, {"x": 3}, step=3)  # cleans the leftover
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_leftovers_of_a_live_process_are_kept(tmp_path):
    other = tmp_path / f".tmp-{os.getppid()}-abcd"
    other.mkdir()
    dead = tmp_path / ".tmp-999999999-abcd"
    dead.mkdir()
    write_checkpoint(tmp_path, {"x": 1}, step=1)
    assert other.exists() and not dead.exists()


def test_keep_last_prunes_old_entries(tmp_path):
    for step in range(5):
        write_checkpoint(tmp_path, {"step": step}, step=step, keep_last=2)
    assert [p.name for p in list_checkpoints(tmp_path)] == [
        "ckpt-000004-step000000003",
        "ckpt-000005-step000000004",
    ]
    with pytest.raises(ValueError, match="keep_last must be >= 1, got 0"):
        write_checkpoint(tmp_path, {}, step=0, keep_last=0)


def test_empty_or_missing_directories(tmp_path):
    assert list_checkpoints(tmp_path / "missing") == []
    assert latest_checkpoint(tmp_path) is None
    with pytest.raises(CheckpointNotFoundError, match="no usable checkpoint in"):
        load_latest(tmp_path)
    with pytest.raises(CheckpointNotFoundError, match="no usable checkpoint"):
        VirtualMachine.resume(tmp_path, program=make_program(1, 1))


# -- corruption and versions ---------------------------------------------------------


def three_entries(tmp_path):
    return [write_checkpoint(tmp_path, {"n": n}, step=n) for n in range(3)]


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda p: (p / "arrays.npz").write_bytes(b"PK\x03"), "truncated"),
        (lambda p: (p / "state.json").write_text('{"n": 99}'), "truncated"),
        (
            lambda p: (p / "state.json").write_text(
                (p / "state.json").read_text().replace("2", "7")
            ),
            "does not match its checksum",
        ),
        (lambda p: (p / "manifest.json").write_text("{garbage"), "unreadable manifest"),
        (lambda p: (p / "state.json").unlink(), "cannot read state.json"),
    ],
)
def test_a_corrupt_newest_entry_warns_and_falls_back(tmp_path, damage, reason):
    entries = three_entries(tmp_path)
    damage(entries[-1])
    with pytest.warns(CorruptCheckpointWarning, match=reason) as record:
        path, state = load_latest(tmp_path)
    assert path == entries[1] and state == {"n": 1}
    assert "using the previous good checkpoint ckpt-000002" in str(record[0].message)
    with pytest.raises(CorruptCheckpointError, match=reason):
        read_checkpoint(entries[-1])


def test_all_entries_corrupt_is_an_error(tmp_path):
    for path in three_entries(tmp_path):
        (path / "arrays.npz").write_bytes(b"")
    with pytest.raises(CheckpointNotFoundError, match="truncated"):
        load_latest(tmp_path)


def test_a_pickled_array_is_never_loaded(tmp_path):
    path = write_checkpoint(tmp_path, {"a": np.zeros(2)}, step=0)
    # replace the arrays by an object array (which would need unpickling)
    with open(path / "arrays.npz", "wb") as f:
        np.savez(f, a=np.array([{"evil": 1}], dtype=object))
    manifest = json.loads((path / "manifest.json").read_text())
    data = (path / "arrays.npz").read_bytes()
    import hashlib

    manifest["files"]["arrays.npz"] = {
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CorruptCheckpointError, match="cannot decode the state"):
        read_checkpoint(path)


def set_manifest(path, **changes):
    manifest = json.loads((path / "manifest.json").read_text())
    manifest.update(changes)
    (path / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"library_version": "99.0.0"}, "written by sklearn_pylearn 99.0.0"),
        ({"library_version": "0.99.0"}, "written by sklearn_pylearn 0.99.0"),
        ({"format_version": 2}, r"checkpoint format 2\)"),
    ],
)
def test_an_incompatible_version_is_a_clear_error(tmp_path, changes, match):
    path = write_checkpoint(tmp_path, {"x": 1}, step=1)
    set_manifest(path, **changes)
    with pytest.raises(CheckpointVersionError, match=match):
        read_checkpoint(path)
    with pytest.raises(CheckpointVersionError, match="start the training again"):
        load_latest(tmp_path)


def test_a_compatible_patch_version_loads(tmp_path):
    path = write_checkpoint(tmp_path, {"x": 1}, step=1)
    major, minor, *_ = ckpt_module.library_version().split(".")
    set_manifest(path, library_version=f"{major}.{minor}.999")
    assert read_checkpoint(path) == {"x": 1}


def test_a_foreign_manifest_is_corrupt(tmp_path):
    path = write_checkpoint(tmp_path, {"x": 1}, step=1)
    set_manifest(path, format="something.else")
    with pytest.raises(CorruptCheckpointError, match="manifest format is"):
        read_checkpoint(path)


# -- what a VM checkpoint holds --------------------------------------------------


def test_a_vm_checkpoint_holds_state_not_data(tmp_path):
    vm = VirtualMachine(
        make_program(2, 5),
        make_context(5),
        [History(), Checkpoint(tmp_path, every_n_steps=3)],
    )
    vm.run(max_steps=7)
    path = latest_checkpoint(tmp_path)
    with np.load(path / "arrays.npz") as npz:
        shapes = {k: npz[k].shape for k in npz.files}
    assert shapes["context/model/state/W"] == (5,)
    assert shapes["context/data/state/order"] == (40,)
    # the data (40 x 5) is not there; the last result, a minibatch, is VM state
    assert (40, 5) not in shapes.values()
    assert shapes["vm/main/last/0"] == (8, 5)
    state = json.loads((path / "state.json").read_text())
    data = state["context"]["data"]
    assert data["recipe"] == {
        "factory": "tests.runtime.fixtures:RegressionData",
        "kwargs": {"n_samples": 40, "n_features": 5, "batch_size": 8, "seed": 0},
    }
    assert "__generator__" in data["state"]["rng"]
    assert state["vm"]["steps"] == 6
    assert state["hooks"][0]["recipe"]["factory"].endswith("hooks:History")


def test_resume_from_an_entry_or_the_directory(tmp_path):
    reference = run_reference(2, 5)
    program = make_program(2, 5)
    vm = VirtualMachine(
        program, make_context(5), [History(), Checkpoint(tmp_path, every_n_steps=4)]
    )
    vm.run(max_steps=10)
    entry = list_checkpoints(tmp_path)[0]
    from_entry = VirtualMachine.resume(entry, program=program)
    assert from_entry.steps == 4 and from_entry.last_checkpoint == entry
    from_dir = VirtualMachine.resume(tmp_path)  # fixture classes are trusted
    assert from_dir.steps == 8
    for again in (from_entry, from_dir):
        again.run()
        for key, value in reference.items():
            assert final_params(again)[key].tobytes() == value.tobytes()


def test_resume_falls_back_past_a_corrupt_entry(tmp_path):
    program = make_program(2, 5)
    vm = VirtualMachine(
        program, make_context(5), [Checkpoint(tmp_path, every_n_steps=2)]
    )
    vm.run(max_steps=6)
    (list_checkpoints(tmp_path)[-1] / "arrays.npz").write_bytes(b"")
    with pytest.warns(CorruptCheckpointWarning, match="truncated"):
        again = VirtualMachine.resume(
            tmp_path, program=program, context=make_context(5)
        )
    assert again.steps == 4


def test_resume_start_if_missing(tmp_path):
    program = make_program(1, 2)
    fresh = VirtualMachine.resume(
        tmp_path, program=program, context=make_context(2), start_if_missing=True
    )
    assert fresh.steps == 0 and fresh.run() is not None
    with pytest.raises(TypeError, match="needs program="):
        VirtualMachine.resume(tmp_path, start_if_missing=True)


def test_resume_rebuilds_only_trusted_names(tmp_path):
    vm = VirtualMachine(
        REPEAT(3, CALL("os:getpid")), hooks=[Checkpoint(tmp_path, every_n_steps=1)]
    )
    vm.run(max_steps=1)
    with pytest.raises(UntrustedReferenceError, match="register_trusted"):
        VirtualMachine.resume(tmp_path)
    assert VirtualMachine.resume(tmp_path, trusted=["os:getpid"]).run() == os.getpid()


def test_loading_runs_no_code(tmp_path, monkeypatch):
    """Reading a checkpoint imports nothing: the loader only parses JSON and npz."""
    vm = VirtualMachine(
        REPEAT(2, CALL("os:getpid")), hooks=[Checkpoint(tmp_path, every_n_steps=1)]
    )
    vm.run(max_steps=1)
    imported = []
    monkeypatch.setattr(
        "sklearn_pylearn.runtime._refs.importlib.import_module",
        lambda name: imported.append(name),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_latest(tmp_path)
    assert imported == []
