"""The one place where private scikit-learn names are imported."""

from sklearn.base import _fit_context  # noqa: F401
from sklearn.linear_model._base import LinearClassifierMixin, SparseCoefMixin  # noqa: F401
from sklearn.metrics._scorer import _BaseScorer  # noqa: F401
from sklearn.utils._param_validation import (  # noqa: F401
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.metadata_routing import _raise_for_params, _routing_enabled  # noqa: F401
from sklearn.utils.validation import _check_method_params, _check_sample_weight  # noqa: F401
