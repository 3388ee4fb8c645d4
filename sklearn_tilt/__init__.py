"""sklearn_tilt: the geometry of L2 regularisation for scikit-learn.

Reference implementation of Tanay & Griffin, "A New Angle on L2 Regularization":
an exact scaled-loss linear classifier, the tilting angle and the adversarial and
error distances as scorers, mirror images, and a one-command reproduction of the
paper's experiments.
"""

import importlib

__version__ = "0.1.0.dev0"

# public name -> submodule that defines it (imported on first access, so that
# ``import sklearn_tilt`` stays light and torch is never imported eagerly)
_LAZY = {
    "ScaledLossLinearClassifier": "sklearn_tilt.linear_model",
    "ScaledLossLinearClassifierCV": "sklearn_tilt.linear_model",
    "scaled_loss_path": "sklearn_tilt.linear_model",
    "fit_paths": "sklearn_tilt.linear_model",
    "signed_distance": "sklearn_tilt.metrics",
    "tilting_angle": "sklearn_tilt.metrics",
    "adversarial_distance": "sklearn_tilt.metrics",
    "error_distance": "sklearn_tilt.metrics",
    "tilting_plane": "sklearn_tilt.metrics",
    "TiltingAngle": "sklearn_tilt.metrics",
    "AdversarialDistance": "sklearn_tilt.metrics",
    "ErrorDistance": "sklearn_tilt.metrics",
    "MirrorImage": "sklearn_tilt.preprocessing",
    "warm_up": "sklearn_tilt._warm_up",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sklearn_tilt' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
