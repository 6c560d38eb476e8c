"""
Resumable training: checkpointed, stopped part-way, resumed
============================================================

A training program that is checkpointed, stopped part-way and resumed, ending
with exactly the parameters of an uninterrupted run.

    python examples/resumable_training.py
"""

import tempfile

import numpy as np

from sklearn_pylearn.runtime import Checkpoint, History, VirtualMachine
from sklearn_pylearn.runtime._testing import make_context, make_program


def main():
    program = make_program(n_epochs=4, n_batches=25)
    print(program)

    reference = VirtualMachine(program, make_context(25), [History()])
    reference.run(handle_signals=False)

    directory = tempfile.mkdtemp()
    hooks = [History(), Checkpoint(directory, every_n_steps=10)]
    first = VirtualMachine(program, make_context(25), hooks)
    first.run(max_steps=137, handle_signals=False)  # stop part-way through epoch 2
    print(f"stopped after {first.steps} steps; checkpoints in {directory}")

    resumed = VirtualMachine.resume(directory, program=program)
    print(f"resumed at step {resumed.steps} from {resumed.last_checkpoint.name}")
    resumed.run(handle_signals=False)
    same = np.array_equal(resumed.context["model"].W, reference.context["model"].W)
    print(f"final weights identical to an uninterrupted run: {same}")


if __name__ == "__main__":
    main()
