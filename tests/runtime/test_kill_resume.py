"""The kill test: SIGKILL a checkpointed training process at a random moment, resume
in a new process, and get exactly the parameters of an uninterrupted run.

The moments are drawn from a seed printed in the failure message; set
``RUNTIME_KILL_SEED`` to replay one. The default suite kills at 5 moments, the
slow-marked tests at many more (and kill resumed processes again): run them with
``pytest -m slow`` (the default options deselect them).
"""

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from sklearn_pylearn.runtime import Checkpoint, History, VirtualMachine
from tests.runtime.fixtures import final_params, make_context, make_program

MODULE = "tests.runtime.fixtures"  # run from the repository root
ROOT = Path(__file__).resolve().parents[2]
EPOCHS, BATCHES, EVERY, KEEP, DELAY = 4, 25, 3, 2, 0.004
SEED = int(os.environ.get("RUNTIME_KILL_SEED", random.SystemRandom().randrange(10**6)))


@pytest.fixture(scope="module")
def uninterrupted():
    """Final parameters of an uninterrupted run, and how long its steps take."""
    with tempfile.TemporaryDirectory() as directory:
        context = make_context(BATCHES, step_delay=DELAY)
        hooks = [History(), Checkpoint(directory, every_n_steps=EVERY, keep_last=KEEP)]
        vm = VirtualMachine(make_program(EPOCHS, BATCHES), context, hooks)
        start = time.perf_counter()
        vm.run(handle_signals=False)
        return final_params(vm), time.perf_counter() - start


def command(directory, out, delay):
    return [
        sys.executable,
        "-m",
        MODULE,
        *("--dir", str(directory), "--out", str(out)),
        *("--epochs", str(EPOCHS), "--batches", str(BATCHES)),
        *("--every", str(EVERY), "--keep", str(KEEP), "--delay", str(delay)),
    ]


def start_and_kill(directory, out, after):
    """Start (or resume) the training process, SIGKILL it ``after`` s into its run."""
    proc = subprocess.Popen(
        command(directory, out, DELAY),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        proc.kill()
        pytest.fail(f"training process did not start: {line!r} {proc.stderr.read()}")
    time.sleep(after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    proc.stderr.close()
    return proc.returncode


def resume_to_the_end(directory, out):
    done = subprocess.run(
        command(directory, out, 0.0),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[1])  # "READY <step it resumed at>"


def assert_exactly(out, expected, where):
    with np.load(out) as got:
        assert sorted(got.files) == sorted(expected), where
        for key, value in expected.items():
            assert got[key].dtype == value.dtype, (key, where)
            assert got[key].tobytes() == value.tobytes(), (key, where)


def kill_and_resume(tmp_path, moment, uninterrupted):
    expected, duration = uninterrupted
    rng = random.Random(f"{SEED}-{moment}")
    after = rng.uniform(0.0, duration)
    for attempt in range(4):
        where = f"RUNTIME_KILL_SEED={SEED}, moment {moment}: killed {after:.3f}s in"
        directory = tmp_path / f"ckpt{attempt}"
        out = tmp_path / f"params{attempt}.npz"
        if start_and_kill(directory, out, after) == -signal.SIGKILL:
            break
        after /= 2  # it finished before the kill (a slower machine): kill earlier
    else:
        pytest.fail(f"{where}: the process always finished before the kill")
    if out.exists():  # killed after writing its result (atomically): check it
        assert_exactly(out, expected, f"{where}, output of the killed run")
        out.unlink()
    resumed_at = resume_to_the_end(directory, out)
    assert_exactly(out, expected, f"{where}, resumed at step {resumed_at}")
    return resumed_at


@pytest.mark.parametrize("moment", range(5))
def test_killed_at_a_random_moment_resumes_exactly(tmp_path, moment, uninterrupted):
    kill_and_resume(tmp_path, moment, uninterrupted)


@pytest.mark.slow
@pytest.mark.parametrize("moment", range(5, 25))
def test_killed_at_more_random_moments_resumes_exactly(tmp_path, moment, uninterrupted):
    kill_and_resume(tmp_path, moment, uninterrupted)


@pytest.mark.slow
def test_killed_again_and_again_resumes_exactly(tmp_path, uninterrupted):
    """Kill the first process and then each resumed one; finish at the end."""
    expected, duration = uninterrupted
    rng = random.Random(f"{SEED}-chain")
    directory, out = tmp_path / "ckpt", tmp_path / "params.npz"
    for _ in range(8):
        start_and_kill(directory, out, rng.uniform(0.0, duration / 6))
    resumed_at = resume_to_the_end(directory, out)
    assert_exactly(out, expected, f"RUNTIME_KILL_SEED={SEED}, chain at {resumed_at}")


def test_sigterm_from_outside_stops_cleanly_and_resumes(tmp_path, uninterrupted):
    expected, duration = uninterrupted
    directory, out = tmp_path / "ckpt", tmp_path / "params.npz"
    proc = subprocess.Popen(
        command(directory, out, DELAY),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout.readline().startswith("READY")
    time.sleep(duration / 3)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "SIGTERM received: finishing the current step" in stderr
    assert "Checkpoint written:" in stderr and "To resume" in stderr
    resumed_at = resume_to_the_end(directory, out)
    assert resumed_at > 0
    assert_exactly(out, expected, f"SIGTERM, resumed at {resumed_at}")
