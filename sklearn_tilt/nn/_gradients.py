"""Input gradients of a network, and the paper's geometry through them."""

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from .. import _geometry
from ._torch import batches, torch_context

__all__ = ["input_gradients", "local_tilting_angle"]

_OUTPUTS = ("margin", "logit", "log_proba", "proba")


def _unpack(net):
    """``(module, classes, temperature)`` of a fitted network classifier."""
    if not (hasattr(net, "module_") or hasattr(net, "initialized_")) or not hasattr(net, "predict"):
        raise TypeError(
            f"expected a fitted LeNetClassifier (a skorch classifier), got {type(net).__name__}"
        )
    check_is_fitted(net)
    module = net.module_
    if not isinstance(module, torch.nn.Module):
        raise TypeError("the network's module_ is not a torch.nn.Module")
    return module, np.asarray(net.classes_), float(getattr(net, "temperature", 1.0))


def _images(net, X):
    """Validated float32 images (n, 1, 28, 28) and the shape X came in."""
    if hasattr(net, "_images"):
        return net._images(X, reset=False)
    X = np.asarray(X, dtype=np.float32)
    return X, X.shape


def _encode(net, labels, classes):
    labels = np.asarray(labels)
    if hasattr(net, "_encode"):
        return net._encode(labels.ravel())
    lookup = {c: i for i, c in enumerate(classes.tolist())}
    try:
        return np.array([lookup[v] for v in labels.ravel().tolist()], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"label {exc.args[0]!r} is not in classes_") from None


def module_device(module):
    """The device of the module's parameters (CPU for a module without any)."""
    for p in module.parameters():
        return p.device
    return torch.device("cpu")


def _float64_forward(module):
    """``x -> logits`` computed in float64 with the module's parameters (module untouched)."""
    state = {
        name: t.detach().to(torch.float64)
        for name, t in list(module.named_parameters()) + list(module.named_buffers())
    }

    def forward(x):
        return torch.func.functional_call(module, state, (x,))

    return forward


def target_indices(net, target, n, ref_idx=None, logits=None):
    """Class indices for ``target``: labels (array or one label), "cyclic" or "runner-up".

    "cyclic" is ``(ref + 1) mod n_classes`` in the order of ``classes_`` (0->1, ...,
    9->0 for digits); "runner-up" is the class of the largest logit other than
    ``ref``. ``ref`` is the true class when known, else the predicted class.
    """
    classes = np.asarray(net.classes_)
    if isinstance(target, str):
        if target == "cyclic":
            return (ref_idx + 1) % len(classes)
        if target == "runner-up":
            masked = np.array(logits, dtype=np.float64, copy=True)
            masked[np.arange(n), ref_idx] = -np.inf
            return np.argmax(masked, axis=1)
        raise ValueError(f'target must be labels, "cyclic" or "runner-up"; got {target!r}')
    target = np.asarray(target)
    if target.ndim == 0:
        target = np.full(n, target.item(), dtype=object if target.dtype.kind in "OUS" else None)
    if target.shape != (n,):
        raise ValueError(f"target must have one label per image ({n}); got shape {target.shape}")
    return _encode(net, target, classes)


def _terms(net, X, y=None, output="margin", target=None, batch_size=500, n_jobs=None):
    """Values, flattened gradients, reference and other class indices (float64)."""
    if output not in _OUTPUTS:
        raise ValueError(f"output must be one of {_OUTPUTS}; got {output!r}")
    module, classes, temperature = _unpack(net)
    X4, _ = _images(net, X)
    n = len(X4)
    ref = None if y is None else _encode(net, y, classes)
    if ref is not None and len(ref) != n:
        raise ValueError(f"X has {n} samples but y has {len(ref)}")
    if output != "margin" and target is None:
        raise ValueError(f'output="{output}" needs a target class per sample')
    t_all = None
    if output != "margin" and not isinstance(target, str):
        t_all = target_indices(net, target, n)
    forward = _float64_forward(module)
    device = module_device(module)
    values = np.empty(n)
    grads = np.empty((n, X4[0].size))
    ref_all = np.empty(n, dtype=np.int64)
    other_all = np.empty(n, dtype=np.int64)
    if n_jobs is None:
        n_jobs = getattr(net, "n_jobs", None)
    module_mode = module.training
    module.eval()
    try:
        with torch_context(n_jobs), torch.enable_grad():
            for sl in batches(n, batch_size):
                x = torch.from_numpy(X4[sl]).to(device, torch.float64).requires_grad_(True)
                z = forward(x)
                rows = torch.arange(z.shape[0], device=device)
                r = (
                    z.detach().argmax(dim=1)
                    if ref is None
                    else torch.from_numpy(ref[sl]).to(device)
                )
                masked = z.detach().clone()
                masked[rows, r] = -torch.inf
                other = masked.argmax(dim=1)
                if output == "margin":
                    val = z[rows, r] - z[rows, other]
                else:
                    if t_all is not None:
                        t_idx = t_all[sl]
                    else:
                        t_idx = target_indices(
                            net, target, z.shape[0], r.cpu().numpy(), z.detach().cpu().numpy()
                        )
                    t = torch.from_numpy(np.asarray(t_idx, dtype=np.int64)).to(device)
                    if output == "logit":
                        val = z[rows, t]
                    else:
                        val = torch.log_softmax(z / temperature, dim=1)[rows, t]
                        if output == "proba":
                            val = val.exp()
                (g,) = torch.autograd.grad(val.sum(), x)
                values[sl] = val.detach().cpu().numpy()
                grads[sl] = g.reshape(g.shape[0], -1).cpu().numpy()
                ref_all[sl] = r.cpu().numpy()
                other_all[sl] = other.cpu().numpy()
    finally:
        module.train(module_mode)
    return values, grads, ref_all, other_all


def input_gradients(net, X, y=None, *, output="margin", target=None, batch_size=500):
    """Network outputs and their gradients with respect to the input pixels.

    Computed in float64 (in batches, no loop per image). The gradient of the
    logit margin is the normal of the network's local linear classifier at
    ``x``, so that ``_geometry.first_order_distance(values, gradients)`` is the
    first-order signed distance ``s(x) / ||grad_x s(x)||`` to the boundary.

    Parameters
    ----------
    net : LeNetClassifier
        A fitted network classifier.
    X : array-like of shape (n_samples, 784) or (n_samples, 1, 28, 28)
        Images.
    y : array-like of shape (n_samples,), default=None
        True labels (for ``output="margin"``; default: the predicted class).
    output : {"margin", "logit", "log_proba", "proba"}, default="margin"
        ``"margin"``: logit of the true (or predicted) class minus the best other
        logit (for two classes, ``y * s(x)`` with ``s(x) = z_1 - z_0``);
        ``"logit"``: the logit of ``target``; ``"log_proba"`` and ``"proba"``: the
        (log-)probability of ``target`` at the network's temperature.
    target : array-like of labels, a label, "cyclic" or "runner-up", default=None
        The class whose output is differentiated (all outputs except "margin").
    batch_size : int, default=500
        Images per forward/backward pass.

    Returns
    -------
    values : ndarray of shape (n_samples,)
        The outputs (float64).
    gradients : ndarray of shape (n_samples, 784)
        Their gradients with respect to the input, flattened row by row
        (reshape to ``X.shape`` for images).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt import _geometry
    >>> from sklearn_tilt.nn import LeNetClassifier, input_gradients
    >>> X = np.random.default_rng(0).uniform(0, 255, size=(20, 784))
    >>> y = np.arange(20) % 2
    >>> net = LeNetClassifier(max_epochs=1, verbose=0, train_split=None).fit(X, y)
    >>> margins, grads = input_gradients(net, X, y)
    >>> _geometry.first_order_distance(margins, grads).shape
    (20,)
    """
    values, grads, _, _ = _terms(net, X, y, output=output, target=target, batch_size=batch_size)
    return values, grads


def local_tilting_angle(net, X, y=None, *, X_ref=None, y_ref=None):
    """Local tilting angle of a network at each image (radians, in [0, pi]).

    At ``x`` of class ``c`` (true, or predicted when ``y`` is None) with
    runner-up class ``k``, the network acts like the linear classifier with
    normal ``g = grad_x (z_c - z_k)``. Its tilting angle is the angle between
    ``g`` and the nearest-centroid direction ``z`` from the centroid of class
    ``k`` to that of class ``c`` (``_geometry.centroid_direction`` and
    ``_geometry.angle_between``): 0 when the network separates the two
    classes along the centroid direction, near pi/2 when it relies on
    directions of low variance.

    Parameters
    ----------
    net : LeNetClassifier
        A fitted network classifier.
    X : array-like of shape (n_samples, 784) or (n_samples, 1, 28, 28)
        Images.
    y : array-like of shape (n_samples,), default=None
        True labels (default: predicted labels).
    X_ref, y_ref : array-like, default=None
        Labelled images that define the class centroids (default: ``X, y``; one
        of the two pairs must be labelled).

    Returns
    -------
    theta : ndarray of shape (n_samples,)
        Angles (:func:`sklearn_tilt._geometry.local_tilting_angles`, as
        :func:`~sklearn_tilt.metrics.tilting_angle` averages them); NaN where the
        gradient is zero or ``y_ref`` has no image of one of the two classes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.nn import LeNetClassifier, local_tilting_angle
    >>> X = np.random.default_rng(0).uniform(0, 255, size=(20, 784))
    >>> y = np.arange(20) % 2
    >>> net = LeNetClassifier(max_epochs=1, verbose=0, train_split=None).fit(X, y)
    >>> theta = local_tilting_angle(net, X, y)
    >>> bool(((theta >= 0) & (theta <= np.pi)).all())
    True
    """
    _, grads, ref, other = _terms(net, X, y, output="margin")
    if X_ref is None:
        if y is None:
            raise ValueError("the class centroids need labels: give y or X_ref, y_ref")
        X_ref, y_ref = X, y
    elif y_ref is None:
        raise ValueError("give y_ref with X_ref")
    classes = np.asarray(net.classes_)
    R, _ = _images(net, X_ref)
    means = _geometry.class_means(R.reshape(len(R), -1), _encode(net, y_ref, classes), len(classes))
    return _geometry.local_tilting_angles(grads, ref, other, means)
