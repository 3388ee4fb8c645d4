"""The one place where private scikit-learn names are imported."""

from sklearn.base import _fit_context  # noqa: F401
from sklearn.metrics._scorer import _BaseScorer  # noqa: F401
from sklearn.utils._param_validation import (  # noqa: F401
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_sample_weight  # noqa: F401
