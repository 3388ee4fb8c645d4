"""Datasets: MNIST from IDX files, OpenML or an offline subset, and the paper's toy problem.

.. autosummary::

   load_mnist
   read_idx
   make_tilt_toy
"""

from ._mnist import MNIST_SOURCES, load_mnist, read_idx
from ._toy import TOY_NOISY_POINT, make_tilt_toy

__all__ = ["MNIST_SOURCES", "TOY_NOISY_POINT", "load_mnist", "make_tilt_toy", "read_idx"]
