"""Weight statistics and pictures for the paper's low/high weight-decay comparison."""

import math

import numpy as np
import torch

__all__ = ["filter_grid", "weight_rms"]


def _module(net):
    module = getattr(net, "module_", net)
    if not isinstance(module, torch.nn.Module):
        raise TypeError(
            f"expected a fitted LeNetClassifier or a torch.nn.Module, got {type(net).__name__}"
        )
    return module


def _weighted_layers(module):
    return [
        (name, m)
        for name, m in module.named_modules()
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))
    ]


def weight_rms(net):
    """Root mean square of the weights of each layer (biases excluded).

    Parameters
    ----------
    net : LeNetClassifier or torch.nn.Module
        A fitted classifier (its ``module_`` is used) or a network.

    Returns
    -------
    rms : dict of str to float
        ``{layer name: sqrt(mean(w ** 2))}`` over the convolution and linear
        layers, in network order (``conv1`` ... ``conv4`` for :class:`LeNet`).

    Examples
    --------
    >>> from sklearn_tilt.nn import LeNet, weight_rms
    >>> rms = weight_rms(LeNet())
    >>> list(rms)
    ['conv1', 'conv2', 'conv3', 'conv4']
    >>> bool(abs(rms["conv3"] - 0.01) < 1e-3)  # MatConvNet init: 0.01 * N(0, 1)
    True
    """
    out = {}
    for name, layer in _weighted_layers(_module(net)):
        w = layer.weight.detach().to(torch.float64)
        out[name] = float(torch.sqrt(torch.mean(w * w)))
    return out


def filter_grid(
    net,
    layer="conv1",
    *,
    in_channel=0,
    n_cols=None,
    padding=1,
    normalize=None,
    pad_value=np.nan,
):
    """Tile the filters of a convolution layer into one image.

    Parameters
    ----------
    net : LeNetClassifier or torch.nn.Module
        A fitted classifier (its ``module_`` is used) or a network.
    layer : str, default="conv1"
        Name of a ``Conv2d`` layer.
    in_channel : int, default=0
        Input channel whose kernels are shown (``conv1`` has a single one).
    n_cols : int or None, default=None
        Filters per row (default: ``ceil(sqrt(n_filters))``).
    padding : int, default=1
        Pixels between filters.
    normalize : {None, "filter", "grid"}, default=None
        None keeps the raw weights (so that two networks can share one colour
        scale, as in the paper's comparison); "filter" divides each filter by its
        largest absolute weight; "grid" divides the whole grid by its largest
        absolute weight.
    pad_value : float, default=nan
        Value of the separating pixels (NaN is drawn as background by imshow).

    Returns
    -------
    grid : ndarray of shape (n_rows * (kh + padding) - padding, n_cols * (kw + padding) - padding)
        The tiled filters (float64), row-major in filter order.

    Examples
    --------
    >>> from sklearn_tilt.nn import LeNet, filter_grid
    >>> filter_grid(LeNet()).shape  # 20 filters of 5x5, 5 per row
    (23, 29)
    >>> filter_grid(LeNet(), "conv2", in_channel=3, n_cols=10, padding=0).shape
    (25, 50)
    """
    module = _module(net)
    layers = dict(module.named_modules())
    conv = layers.get(layer)
    if not isinstance(conv, torch.nn.Conv2d):
        names = [n for n, m in layers.items() if isinstance(m, torch.nn.Conv2d)]
        raise ValueError(f"layer must name a Conv2d layer, one of {names}; got {layer!r}")
    w = conv.weight.detach().to(torch.float64).cpu().numpy()
    if not 0 <= in_channel < w.shape[1]:
        raise ValueError(f"in_channel must be in [0, {w.shape[1]}); got {in_channel}")
    if normalize not in (None, "filter", "grid"):
        raise ValueError(f'normalize must be None, "filter" or "grid"; got {normalize!r}')
    if int(padding) < 0:
        raise ValueError(f"padding must be >= 0; got {padding}")
    filters = w[:, in_channel]
    n, kh, kw = filters.shape
    if normalize == "filter":
        scale = np.abs(filters).reshape(n, -1).max(axis=1)
        filters = filters / np.where(scale > 0, scale, 1.0)[:, None, None]
    elif normalize == "grid":
        scale = np.abs(filters).max()
        filters = filters / (scale if scale > 0 else 1.0)
    n_cols = int(n_cols) if n_cols is not None else math.ceil(math.sqrt(n))
    if n_cols < 1:
        raise ValueError(f"n_cols must be >= 1; got {n_cols}")
    n_rows = math.ceil(n / n_cols)
    p = int(padding)
    grid = np.full((n_rows * (kh + p) - p, n_cols * (kw + p) - p), pad_value, dtype=np.float64)
    for k in range(n):
        r, c = divmod(k, n_cols)
        grid[r * (kh + p) : r * (kh + p) + kh, c * (kw + p) : c * (kw + p) + kw] = filters[k]
    return grid
