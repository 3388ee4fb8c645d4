"""torch plumbing shared by the ``nn`` subpackage: threads, seeds, array <-> tensor."""

import os
from contextlib import contextmanager

import numpy as np
import torch

IMAGE_SHAPE = (1, 28, 28)
N_PIXELS = 28 * 28


def resolve_n_threads(n_jobs):
    """Number of torch threads for ``n_jobs``: None means 1 (as in scikit-learn), -1 all CPUs.

    One thread is the safe default: torch's intra-op threads spin while waiting,
    and on a machine shared with other processes (or under joblib/pytest-xdist
    workers) oversubscription makes a small network like LeNet 10-100x slower.
    """
    if n_jobs is None:
        return 1
    n_cpu = os.cpu_count() or 1
    if n_jobs < 0:
        return max(n_cpu + 1 + n_jobs, 1)
    return int(n_jobs)


def seed_from_random_state(random_state):
    """An int torch seed from ``random_state`` (None stays None: torch's global RNG)."""
    if random_state is None:
        return None
    if isinstance(random_state, (int, np.integer)):
        return int(random_state)
    # a RandomState instance: draw a seed from it (consumes its stream, as sklearn does)
    return int(random_state.randint(np.iinfo(np.int32).max))


@contextmanager
def torch_context(n_jobs=None, seed=None):
    """Run a block with ``n_jobs`` torch threads and, if ``seed`` is given, a private RNG.

    With a seed, the global torch RNG is forked and seeded, then restored on exit,
    so that a fit is reproducible without disturbing the caller's random stream.
    """
    n_threads = resolve_n_threads(n_jobs)
    old_threads = torch.get_num_threads()
    if n_threads is not None and n_threads != old_threads:
        torch.set_num_threads(n_threads)
    try:
        if seed is None:
            yield
        else:
            devices = [] if not torch.cuda.is_available() else None
            with torch.random.fork_rng(devices=devices):
                torch.manual_seed(seed)
                yield
    finally:
        if n_threads is not None and torch.get_num_threads() != old_threads:
            torch.set_num_threads(old_threads)


def batches(n, batch_size):
    """Slices ``[start, stop)`` covering ``range(n)`` in chunks of ``batch_size``."""
    batch_size = max(int(batch_size), 1)
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))
