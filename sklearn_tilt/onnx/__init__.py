"""ONNX export of the scaled-loss classifiers through skl2onnx (optional extra ``onnx``).

A fitted :class:`~sklearn_tilt.ScaledLossLinearClassifier` (or its CV variant) is a
linear classifier with ``coef_``, ``intercept_`` and ``classes_``, exactly what
skl2onnx's linear-classifier converter reads. :func:`register_converters` registers
the package's estimators with skl2onnx so that ``skl2onnx.to_onnx`` converts them,
alone or inside a :class:`~sklearn.pipeline.Pipeline`:

- ``loss="hinge"`` converts as :class:`~sklearn.svm.LinearSVC` does: the outputs are
  the labels and the decision values (shape ``(n_samples, 1)`` for a binary problem,
  ``(n_samples, n_classes)`` otherwise), for float32 and float64 input;
- ``loss="softplus"`` converts as :class:`~sklearn.linear_model.LogisticRegression`
  does: the labels and the probabilities of :meth:`predict_proba` (one-vs-rest
  sigmoids, normalised), as a ZipMap unless the option ``zipmap=False`` is given;
  the option ``raw_scores=True`` gives the decision values instead.

The conversion reuses skl2onnx's own converter and shape calculator: each fitted
estimator is handed to them as the equivalent scikit-learn model (the same weights,
intercepts and classes). skl2onnx and onnxruntime are optional: this module imports
without them, and its functions raise an ImportError that names the extra.
"""

import numpy as np
import scipy.sparse as sp

__all__ = ["register_converters", "to_onnx"]

#: the skl2onnx alias under which the package's classifiers are registered
ALIAS = "SklearnTiltScaledLossLinearClassifier"

#: the options the converter accepts (those of skl2onnx's linear classifiers)
OPTIONS = {
    "zipmap": [True, False, "columns"],
    "nocl": [True, False],
    "output_class_labels": [False, True],
    "raw_scores": [True, False],
}


def _skl2onnx():
    # optional dependency: imported on use only, so that the package imports without it
    try:
        import skl2onnx
    except ImportError as exc:
        raise ImportError(
            "ONNX export needs skl2onnx and onnxruntime: pip install 'sklearn-tilt[onnx]'"
        ) from exc
    return skl2onnx


def _peer(model):
    """The scikit-learn linear classifier with the same decision function and outputs.

    Hinge: :class:`~sklearn.svm.LinearSVC` (labels and decision values). Softplus:
    :class:`~sklearn.linear_model.LogisticRegression` with the one-vs-rest solver
    ``liblinear``, for which skl2onnx applies the sigmoids normalised to sum to one,
    as :meth:`~sklearn_tilt.ScaledLossLinearClassifier.predict_proba` does. Only the
    fitted attributes are copied; nothing is refitted.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, ["coef_", "intercept_", "classes_"])
    peer = LinearSVC() if model.loss == "hinge" else LogisticRegression(solver="liblinear")
    coef = model.coef_.toarray() if sp.issparse(model.coef_) else np.asarray(model.coef_)
    peer.coef_ = np.asarray(coef, dtype=np.float64)
    peer.intercept_ = np.asarray(model.intercept_, dtype=np.float64).reshape(-1)
    peer.classes_ = model.classes_
    peer.n_features_in_ = model.n_features_in_
    return peer


def _parser(scope, model, inputs, custom_parsers=None):
    """Declare the operator: LinearSVC's outputs for hinge, LogisticRegression's for softplus."""
    from skl2onnx._parse import _parse_sklearn_classifier, _parse_sklearn_simple_model
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, ["coef_", "intercept_", "classes_"])
    if model.loss == "hinge":
        return _parse_sklearn_simple_model(scope, model, inputs, custom_parsers=custom_parsers)
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers=custom_parsers)


def _shape_calculator(operator):
    """skl2onnx's linear-classifier shapes; binary hinge scores have one column, as LinearSVC's."""
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes

    calculate_linear_classifier_output_shapes(operator)
    model = operator.raw_operator
    if model.loss == "hinge" and len(model.classes_) == 2:
        n = operator.inputs[0].get_first_dimension()
        operator.outputs[1].type.shape = [n, 1]


def _converter(scope, operator, container):
    """skl2onnx's linear-classifier converter, run on the equivalent scikit-learn model."""
    from skl2onnx.common.data_types import DoubleTensorType
    from skl2onnx.operator_converters.linear_classifier import (
        convert_sklearn_linear_classifier,
    )

    model = operator.raw_operator
    peer = _peer(model)
    raw_scores = container.get_options(model, {"raw_scores": False})["raw_scores"]
    # the peer answers with the options given for the model (the labels read ``nocl``)
    scope.add_options(id(peer), {"nocl": scope.get_options(model, {"nocl": False})["nocl"]})
    if (
        model.loss == "hinge"
        and not raw_scores
        and isinstance(operator.inputs[0].type, DoubleTensorType)
    ):
        _convert_hinge_double(scope, operator, container, peer)
        return
    container.add_options(id(peer), {"raw_scores": raw_scores})
    operator.raw_operator = peer
    try:
        convert_sklearn_linear_classifier(scope, operator, container)
    finally:
        operator.raw_operator = model


def _convert_hinge_double(scope, operator, container, peer):
    """Hinge, float64 input: LinearSVC's graph with raw scores, the positive column if binary.

    skl2onnx converts LinearSVC for float32 input only; for float64 its raw scores are
    the decision values (both signs for a binary problem).
    """
    from skl2onnx.algebra.onnx_operator import OnnxSubEstimator
    from skl2onnx.algebra.onnx_ops import OnnxGather, OnnxIdentity

    opv = container.target_opset
    label, values = operator.outputs[0].full_name, operator.outputs[1].full_name
    container.add_options(id(peer), {"raw_scores": True})
    sub = OnnxSubEstimator(peer, operator.inputs[0], op_version=opv)
    OnnxIdentity(sub[0], op_version=opv, output_names=[label]).add_to(scope, container)
    if len(peer.classes_) == 2:
        node = OnnxGather(
            sub[1], np.array([1], dtype=np.int64), axis=1, op_version=opv, output_names=[values]
        )
    else:
        node = OnnxIdentity(sub[1], op_version=opv, output_names=[values])
    node.add_to(scope, container)


def register_converters():
    """Register the package's classifiers with skl2onnx (idempotent).

    After this call ``skl2onnx.to_onnx`` (and ``convert_sklearn``) converts a fitted
    :class:`~sklearn_tilt.ScaledLossLinearClassifier` or
    :class:`~sklearn_tilt.ScaledLossLinearClassifierCV`, also as the last step of a
    :class:`~sklearn.pipeline.Pipeline`. The options are those of skl2onnx's linear
    classifiers: ``zipmap``, ``nocl``, ``output_class_labels`` and ``raw_scores``.

    Raises
    ------
    ImportError
        When skl2onnx is not installed (``pip install 'sklearn-tilt[onnx]'``).

    Examples
    --------
    >>> from sklearn_tilt.onnx import register_converters
    >>> register_converters()  # doctest: +SKIP
    """
    skl2onnx = _skl2onnx()
    from ..linear_model import ScaledLossLinearClassifier, ScaledLossLinearClassifierCV

    for cls in (ScaledLossLinearClassifier, ScaledLossLinearClassifierCV):
        skl2onnx.update_registered_converter(
            cls, ALIAS, _shape_calculator, _converter, parser=_parser, options=OPTIONS
        )


def to_onnx(model, X=None, **kwargs):
    """Convert a fitted estimator or pipeline to ONNX (``skl2onnx.to_onnx``).

    Registers the package's converters (:func:`register_converters`) and calls
    ``skl2onnx.to_onnx(model, X, **kwargs)``.

    Parameters
    ----------
    model : estimator
        A fitted :class:`~sklearn_tilt.ScaledLossLinearClassifier`,
        :class:`~sklearn_tilt.ScaledLossLinearClassifierCV`, or a pipeline ending in
        one (any step skl2onnx converts may come before it).
    X : array-like of shape (n_samples, n_features), default=None
        Sample input: its dtype (float32 or float64) and number of features give the
        input type of the graph. Either ``X`` or ``initial_types`` must be given.
    **kwargs : dict
        Passed to ``skl2onnx.to_onnx`` (``options``, ``target_opset``,
        ``initial_types``...).

    Returns
    -------
    onx : onnx.ModelProto
        The ONNX graph; its outputs are ``label`` and ``probabilities`` (the decision
        values for the hinge loss).

    Raises
    ------
    ImportError
        When skl2onnx is not installed (``pip install 'sklearn-tilt[onnx]'``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_tilt import ScaledLossLinearClassifier
    >>> from sklearn_tilt.onnx import to_onnx
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = ScaledLossLinearClassifier(lam=0.01).fit(X, y)
    >>> onx = to_onnx(clf, X[:1].astype(np.float32))  # doctest: +SKIP
    >>> [o.name for o in onx.graph.output]  # doctest: +SKIP
    ['label', 'probabilities']
    """
    skl2onnx = _skl2onnx()
    register_converters()
    return skl2onnx.to_onnx(model, X, **kwargs)
