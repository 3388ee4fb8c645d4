"""The paper's LeNet experiment: a skorch classifier, input-gradient geometry and the attack.

This subpackage needs the optional dependencies torch and skorch::

    pip install 'sklearn-tilt[nn]'

``import sklearn_tilt`` never imports it (nor torch); importing
``sklearn_tilt.nn`` without torch or skorch raises an ImportError that says so.
"""

try:  # the optional dependencies (extra "nn"), checked before anything else
    import skorch  # noqa: F401
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    missing = getattr(exc, "name", None) or "torch/skorch"
    raise ImportError(
        f"sklearn_tilt.nn needs torch and skorch ({missing} is missing); "
        "install the optional extra: pip install 'sklearn-tilt[nn]'"
    ) from exc

from ._attack import AttackResult, calibrate_temperature, high_confidence_attack
from ._gradients import input_gradients, local_tilting_angle
from ._lenet import LeNet, LeNetClassifier
from ._weights import filter_grid, weight_rms

__all__ = [
    "AttackResult",
    "LeNet",
    "LeNetClassifier",
    "calibrate_temperature",
    "filter_grid",
    "high_confidence_attack",
    "input_gradients",
    "local_tilting_angle",
    "weight_rms",
]
