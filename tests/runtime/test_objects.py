"""Programs record objects: bound methods and object arguments (seed plugin_JB)."""

import copy
import pickle
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from sklearn_pylearn.exceptions import ProgramError
from sklearn_pylearn.runtime import (
    BUFFER_REPEAT,
    CALL,
    FILT,
    REPEAT,
    SEQ,
    Checkpoint,
    Ref,
    VirtualMachine,
)
from sklearn_pylearn.runtime._objects import (
    bound_owner,
    is_object_argument,
    object_name,
    unrecordable,
)
from tests.runtime.fixtures import (
    DEBUG_CALLS,
    Dataset,
    Layer,
    PCAAnalysis,
    cd1_update,
    my_debugfn,
)

ROOT = Path(__file__).resolve().parents[2]


def seed_pca():
    """The seed's first program, as it is written there."""
    dataset = Dataset(np.random.RandomState(123).randn(13, 1))
    pca = PCAAnalysis()
    pca_batchsize = 1000
    train_pca = SEQ(
        [BUFFER_REPEAT(pca_batchsize, CALL(dataset.next)), FILT(pca.analyze)]
    )
    return train_pca, dataset, pca


def test_the_seeds_pca_program_runs_as_written():
    train_pca, dataset, pca = seed_pca()
    VirtualMachine(train_pca).run()
    rows = np.random.RandomState(123).randn(13, 1)[np.arange(1000) % 13]
    np.testing.assert_allclose(pca.mean, rows.mean(axis=0))
    assert dataset.i == 1000


def test_print_shows_the_names_the_objects_got():
    train_pca, dataset, pca = seed_pca()
    d, p = object_name(dataset), object_name(pca)
    assert (
        str(train_pca)
        == f"SEQ([BUFFER_REPEAT(1000, CALL({d}.next)), FILT({p}.analyze)])"
    )
    assert d.startswith("Dataset#") and p.startswith("PCAAnalysis#")
    assert train_pca.objects() == {d: dataset, p: pca}
    # the printed name is a context name: naming it as a string is the same call
    assert CALL(f"{d}.next") == CALL(dataset.next)


def test_the_seeds_find_and_replace_with():
    layer1, layer2 = Layer(4, 3, seed=1), Layer(4, 3, seed=2)
    prog = REPEAT(
        3, SEQ([CALL(cd1_update, layer=layer1), CALL(cd1_update, layer=layer2)])
    )
    found = prog.find(CALL(cd1_update, layer=layer1))
    assert found.paths == ((0, 0),)
    new = found.replace_with(SEQ([CALL(cd1_update, layer=layer1), CALL(my_debugfn)]))
    name = object_name(layer1)
    assert f"CALL(tests.runtime.fixtures.cd1_update, layer=Ref('{name}'))" in str(new)
    before = len(DEBUG_CALLS)
    VirtualMachine(new).run()
    assert layer1.updates == layer2.updates == 3
    assert len(DEBUG_CALLS) - before == 3
    assert str(prog).count("my_debugfn") == 0  # the original is unchanged


def test_programs_with_objects_pickle_and_deep_copy_with_them():
    train_pca, dataset, _ = seed_pca()
    for twin in (pickle.loads(pickle.dumps(train_pca)), copy.deepcopy(train_pca)):
        assert twin == train_pca and str(twin) == str(train_pca)
        (name, obj), _ = sorted(twin.objects().items())
        assert type(obj) is Dataset and obj is not dataset
        VirtualMachine(twin).run()
        assert obj.i == 1000 and dataset.i == 0


def test_a_copied_vm_shares_nothing_with_the_original():
    train_pca, dataset, pca = seed_pca()
    vm = VirtualMachine(train_pca)
    vm.run(max_steps=10)
    twin = copy.deepcopy(vm)
    twin.run()
    assert dataset.i == 10 and pca.mean is None
    twin_data = twin.program.objects()[object_name(dataset)]
    assert twin.context[object_name(dataset)] is twin_data and twin_data.i == 1000


def test_a_vm_with_recorded_objects_resumes_in_another_process(tmp_path):
    train_pca, _, pca = seed_pca()
    VirtualMachine(copy.deepcopy(train_pca)).run()
    vm = VirtualMachine(train_pca)
    vm.run(max_steps=500)
    (tmp_path / "vm.pkl").write_bytes(pickle.dumps(vm))
    script = textwrap.dedent(
        f"""
        import pickle, numpy as np
        vm = pickle.loads(open({str(tmp_path / "vm.pkl")!r}, "rb").read())
        vm.run()
        (pca,) = [o for o in vm.program.objects().values() if hasattr(o, "analyze")]
        np.save({str(tmp_path / "mean.npy")!r}, pca.mean)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, cwd=ROOT)
    expected = np.random.RandomState(123).randn(13, 1)[np.arange(1000) % 13].mean(0)
    np.testing.assert_allclose(np.load(tmp_path / "mean.npy"), expected)


def test_a_checkpointed_program_with_objects_resumes(tmp_path):
    train_pca, dataset, pca = seed_pca()
    vm = VirtualMachine(train_pca, hooks=[Checkpoint(tmp_path, every_n_steps=100)])
    vm.run(max_steps=450, handle_signals=False)
    assert dataset.i == 450
    again = VirtualMachine.resume(tmp_path, program=train_pca)
    assert again.steps == 400 and dataset.i == 400  # restored into the object
    again.run(handle_signals=False)
    assert dataset.i == 1000 and pca.mean is not None


def test_the_context_may_not_hold_another_object_under_a_recorded_name():
    train_pca, dataset, _ = seed_pca()
    with pytest.raises(ProgramError, match="not the object the program recorded"):
        VirtualMachine(train_pca, {object_name(dataset): Dataset(np.zeros((2, 1)))})
    VirtualMachine(train_pca, {object_name(dataset): dataset})  # the same is fine


def test_objects_that_cannot_be_recorded_are_refused_with_the_reason():
    def local():
        class Local:
            def step(self):
                return 1

        return Local()

    with pytest.raises(TypeError, match="defined inside a function"):
        CALL(local().step)
    with pytest.raises(TypeError, match="as an argument, but it cannot be pickled"):
        CALL(cd1_update, layer=threading.Lock())
    with pytest.raises(TypeError, match="must be plain data.*Ref"):
        CALL(cd1_update, np.zeros(3))  # arrays stay data, not objects


def test_helpers():
    layer = Layer(2, 2)
    assert bound_owner(layer.__init__) is layer and bound_owner(cd1_update) is None
    assert is_object_argument(layer) and not is_object_argument({"a": 1})
    assert unrecordable(layer) is None and "pickled" in unrecordable(threading.Lock())
    assert str(CALL("m.f", Ref("data"))) == "CALL(m.f, Ref('data'))"
    assert str(CALL("m.f", "data")) == "CALL(m.f, 'data')"
