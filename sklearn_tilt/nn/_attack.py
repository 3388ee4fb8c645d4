"""Softmax-temperature calibration and the paper's targeted high-confidence attack."""

from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import brentq

from ._gradients import _images, _unpack, module_device, target_indices
from ._torch import batches, torch_context

__all__ = ["AttackResult", "calibrate_temperature", "high_confidence_attack"]


def _logits(net, X4):
    """Raw float64 logits of validated images (n, 1, 28, 28)."""
    if hasattr(net, "_logits"):
        return net._logits(X4)
    module, _, _ = _unpack(net)
    with torch.no_grad():
        return module(torch.from_numpy(X4).to(module_device(module))).double().cpu().numpy()


def _median_top_probability(logits, temperature):
    """Median over rows of ``max_k softmax(logits / T)_k``."""
    z = logits - logits.max(axis=1, keepdims=True)
    return float(np.median(1.0 / np.exp(z / temperature).sum(axis=1)))


def calibrate_temperature(net, X, median_confidence=0.95):
    """Set the softmax temperature so that the median top-class probability is a target.

    The median over ``X`` of ``max_k softmax(logits / T)_k`` decreases from 1
    (``T -> 0``) to ``1 / n_classes`` (``T -> inf``); a 1-D root search (Brent's
    method on ``log T``) finds the ``T`` where it equals ``median_confidence``.
    ``net.temperature`` is set to it. The paper calibrates on the test set with
    a target of 0.95 before its attack, so that the high- and low-weight-decay
    networks are compared at the same confidence.

    Parameters
    ----------
    net : LeNetClassifier
        A fitted network classifier (modified in place: its ``temperature``).
    X : array-like of shape (n_samples, 784) or (n_samples, 1, 28, 28)
        Images, e.g. the test set.
    median_confidence : float, default=0.95
        Target median top-class probability, in ``(1 / n_classes, 1)``.

    Returns
    -------
    temperature : float
        The calibrated temperature (also set on ``net``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.nn import LeNetClassifier, calibrate_temperature
    >>> X = np.random.default_rng(0).uniform(0, 255, size=(40, 784))
    >>> y = np.arange(40) % 2
    >>> net = LeNetClassifier(max_epochs=2, verbose=0, train_split=None).fit(X, y)
    >>> T = calibrate_temperature(net, X, median_confidence=0.9)
    >>> p = net.predict_proba(X).max(axis=1)
    >>> bool(abs(np.median(p) - 0.9) < 1e-6), net.temperature == T
    (True, True)
    """
    _unpack(net)
    X4, _ = _images(net, X)
    logits = _logits(net, X4)
    n_classes = logits.shape[1]
    c = float(median_confidence)
    if not 1.0 / n_classes < c < 1.0:
        raise ValueError(
            f"median_confidence must lie in (1/n_classes, 1) = ({1 / n_classes:.3g}, 1); got {c}"
        )

    def gap(log_t):
        return _median_top_probability(logits, np.exp(log_t)) - c

    lo, hi = -2.0, 2.0
    while gap(lo) < 0:
        lo -= 4.0
        if lo < -200:
            raise ValueError(
                "the median top-class probability cannot reach "
                f"{c}: more than half of the images have tied top logits"
            )
    while gap(hi) > 0:
        hi += 4.0
        if hi > 200:
            raise ValueError(f"the median top-class probability stays above {c}")
    temperature = float(np.exp(brentq(gap, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500)))
    net.set_params(temperature=temperature)
    return temperature


@dataclass
class AttackResult:
    """Result of :func:`high_confidence_attack`, one entry per image.

    Parameters
    ----------
    X_adv : ndarray
        Adversarial images (float32), in the layout of the input ``X``.
    target : ndarray of shape (n_samples,)
        Target labels (from ``classes_``).
    success : ndarray of bool, shape (n_samples,)
        Whether ``p_target >= confidence`` was reached within ``max_iter`` steps.
    n_iter : ndarray of int, shape (n_samples,)
        Steps taken (0 if the image already met the confidence).
    perturbation_norm : ndarray of shape (n_samples,)
        L2 norm of ``X_adv - X`` in pixel units.
    confidence : ndarray of shape (n_samples,)
        Final probability of the target class (at the network's temperature).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.nn import AttackResult
    >>> r = AttackResult(np.zeros((2, 784), np.float32), np.array([1, 2]),
    ...                  np.array([True, False]), np.array([3, 10]),
    ...                  np.array([3.0, 10.0]), np.array([0.96, 0.5]))
    >>> r.success_rate, r.median_perturbation_norm
    (0.5, 3.0)
    """

    X_adv: np.ndarray
    target: np.ndarray
    success: np.ndarray
    n_iter: np.ndarray
    perturbation_norm: np.ndarray
    confidence: np.ndarray

    @property
    def success_rate(self):
        """Fraction of images that reached the target confidence."""
        return float(np.mean(self.success)) if len(self.success) else float("nan")

    @property
    def median_perturbation_norm(self):
        """Median L2 perturbation norm over the successful images (NaN if none)."""
        ok = self.perturbation_norm[self.success]
        return float(np.median(ok)) if len(ok) else float("nan")


def high_confidence_attack(
    net,
    X,
    target,
    *,
    y=None,
    confidence=0.95,
    step=1.0,
    clip=(0.0, 255.0),
    max_iter=1000,
    batch_size=1000,
    verbose=False,
):
    """The paper's targeted high-confidence attack on a network.

    For each image, iterate ``x <- clip(x + step * g / ||g||)`` with
    ``g = grad_x p_target(x)`` until ``p_target(x) >= confidence``, where
    ``p = softmax(logits / T)`` at the network's ``temperature`` (calibrate it
    first with :func:`calibrate_temperature`). Since ``grad p = p grad log p``
    with ``p > 0``, the normalised step uses ``grad log p_target``, which has the
    same direction and does not underflow. Images are processed together in
    torch batches: one forward/backward pass per step for all images still
    running.

    Parameters
    ----------
    net : LeNetClassifier
        A fitted network classifier.
    X : array-like of shape (n_samples, 784) or (n_samples, 1, 28, 28)
        Images, pixels in [0, 255].
    target : array-like of labels, a label, "cyclic" or "runner-up"
        Target classes. "cyclic": the next class in ``classes_`` after the
        true class (``y``) or, without ``y``, the predicted class (0->1, ...,
        9->0 for digits, as in the paper); "runner-up": the class with the
        second largest logit.
    y : array-like of shape (n_samples,), default=None
        True labels (only used by ``target="cyclic"`` and ``"runner-up"``).
    confidence : float, default=0.95
        Target probability, in (0, 1).
    step : float, default=1.0
        L2 length of each step, in pixel units.
    clip : (float, float) or None, default=(0.0, 255.0)
        Pixel range to clip to after every step; None: no clipping.
    max_iter : int, default=1000
        Largest number of steps per image.
    batch_size : int, default=1000
        Images attacked together.
    verbose : bool, default=False
        Show a progress bar over the steps.

    Returns
    -------
    result : AttackResult
        ``X_adv``, ``target``, ``success``, ``n_iter``, ``perturbation_norm`` and
        ``confidence``, one entry per image (plus ``success_rate`` and
        ``median_perturbation_norm``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.nn import LeNetClassifier, high_confidence_attack
    >>> X = np.random.default_rng(0).uniform(0, 255, size=(30, 784))
    >>> y = np.arange(30) % 3
    >>> net = LeNetClassifier(max_epochs=2, verbose=0, train_split=None).fit(X, y)
    >>> res = high_confidence_attack(net, X[:4], "cyclic", step=5.0, max_iter=5)
    >>> res.X_adv.shape, res.success.dtype
    ((4, 784), dtype('bool'))
    """
    module, classes, temperature = _unpack(net)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1); got {confidence}")
    if not step > 0:
        raise ValueError(f"step must be positive; got {step}")
    if int(max_iter) < 0:
        raise ValueError(f"max_iter must be >= 0; got {max_iter}")
    lo, hi = (None, None) if clip is None else (float(clip[0]), float(clip[1]))
    X4, shape = _images(net, X)
    n = len(X4)
    if isinstance(target, str):
        if y is not None:
            ref = target_indices(net, np.asarray(y), n)
            logits = _logits(net, X4) if target == "runner-up" else None
        else:
            logits = _logits(net, X4)
            ref = np.argmax(logits, axis=1)
        t_idx = target_indices(net, target, n, ref_idx=ref, logits=logits)
    else:
        t_idx = target_indices(net, target, n)

    X_adv = X4.copy()
    success = np.zeros(n, dtype=bool)
    n_iter = np.zeros(n, dtype=np.int64)
    conf = np.zeros(n)
    log_c = float(np.log(confidence))
    device = module_device(module)
    mode = module.training
    module.eval()
    progress = None
    if verbose:
        from tqdm.auto import tqdm

        progress = tqdm(total=n, desc="attack", unit="image")
    try:
        with torch_context(getattr(net, "n_jobs", None)), torch.enable_grad():
            for sl in batches(n, batch_size):
                x = torch.from_numpy(X_adv[sl].copy()).to(device)
                t = torch.from_numpy(np.asarray(t_idx[sl], dtype=np.int64)).to(device)
                active = torch.ones(len(x), dtype=torch.bool, device=device)
                steps = torch.zeros(len(x), dtype=torch.int64, device=device)
                last = torch.zeros(len(x), dtype=torch.float64, device=device)
                reached = torch.zeros(len(x), dtype=torch.bool, device=device)
                for it in range(int(max_iter) + 1):
                    idx = torch.nonzero(active).flatten()
                    if len(idx) == 0:
                        break
                    xa = x[idx].requires_grad_(True)
                    logp = torch.log_softmax(module(xa) / temperature, dim=1)
                    logp_t = logp[torch.arange(len(idx), device=device), t[idx]]
                    last[idx] = logp_t.detach().double().exp()
                    done = logp_t.detach() >= log_c
                    reached[idx] = done
                    if it == int(max_iter):
                        active[idx] = False
                        break
                    (g,) = torch.autograd.grad(logp_t.sum(), xa)
                    gnorm = g.flatten(1).norm(dim=1)
                    move = ~done & (gnorm > 0)
                    # finished, or stuck on a flat region (no direction to follow)
                    active[idx[~move]] = False
                    if move.any():
                        shape_b = (-1,) + (1,) * (g.dim() - 1)
                        new = xa.detach()[move] + step * g[move] / gnorm[move].reshape(shape_b)
                        if clip is not None:
                            new = new.clamp_(lo, hi)
                        x[idx[move]] = new
                        steps[idx[move]] += 1
                    if progress is not None:
                        progress.set_postfix(step=it, running=int(active.sum()))
                X_adv[sl] = x.cpu().numpy()
                n_iter[sl] = steps.cpu().numpy()
                conf[sl] = last.cpu().numpy()
                success[sl] = reached.cpu().numpy()
                if progress is not None:
                    progress.update(len(x))
    finally:
        module.train(mode)
        if progress is not None:
            progress.close()
    diff = (X_adv.astype(np.float64) - X4.astype(np.float64)).reshape(n, -1)
    norms = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return AttackResult(
        X_adv=X_adv.reshape(shape),
        target=classes[t_idx],
        success=success,
        n_iter=n_iter,
        perturbation_norm=norms,
        confidence=conf,
    )
