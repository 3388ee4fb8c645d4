"""
=====================================
Export a fitted classifier to ONNX
=====================================

A scaled-loss classifier is a linear model (``coef_``, ``intercept_``, ``classes_``),
which is what people deploy through `ONNX <https://onnx.ai>`_. With the optional extra
``onnx`` (``pip install "sklearn-tilt[onnx]"``: skl2onnx and onnxruntime),
:func:`sklearn_tilt.onnx.to_onnx` converts a fitted
:class:`~sklearn_tilt.ScaledLossLinearClassifier`, alone or at the end of a
:class:`~sklearn.pipeline.Pipeline`, with skl2onnx's own linear-classifier converter:
the hinge loss converts as :class:`~sklearn.svm.LinearSVC` (labels and decision
values), the softplus loss as :class:`~sklearn.linear_model.LogisticRegression`
(labels and probabilities). onnxruntime then reproduces scikit-learn's outputs to
float32 precision.
"""

# %%
# A pipeline: scaling, then the softplus classifier
# -------------------------------------------------
# scikit-learn's 8x8 digits, ten classes (one-vs-rest boundaries), fitted in float64;
# the ONNX graph computes in float32 (``X32``), as most deployments do.
import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_tilt import ScaledLossLinearClassifier
from sklearn_tilt.onnx import register_converters, to_onnx

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
X32 = X_test.astype(np.float32)
pipe = make_pipeline(StandardScaler(), ScaledLossLinearClassifier(loss="softplus", lam=1e-3))
pipe.fit(X_train, y_train)

# %%
# Convert and run
# ---------------
# The sample input fixes the input type of the graph (float32, 64 features).
# ``zipmap=False`` returns the probabilities as one array rather than a list of
# dictionaries; skl2onnx keys the options by the id of the estimator they apply to.
onx = to_onnx(pipe, X32[:1], options={id(pipe[-1]): {"zipmap": False}})
session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
labels, proba = session.run(None, {session.get_inputs()[0].name: X32})
print("outputs:", [o.name for o in session.get_outputs()])
print("labels equal:", bool(np.array_equal(labels, pipe.predict(X_test))))
print(f"largest probability difference: {np.abs(proba - pipe.predict_proba(X_test)).max():.1e}")

# %%
# The hinge loss: decision values
# -------------------------------
# ``register_converters`` makes the package's classifiers known to skl2onnx itself, so
# that ``skl2onnx.to_onnx`` (or a tool built on it) converts them too. A hinge
# classifier's second output holds the decision values: here a binary problem (3 against
# 8), one column, the signed score of ``classes_[1]``.
import skl2onnx  # noqa: E402

register_converters()
pair_train, pair_test = np.isin(y_train, [3, 8]), np.isin(y_test, [3, 8])
hinge = ScaledLossLinearClassifier(loss="hinge", lam=0.1)
hinge.fit(X_train[pair_train], y_train[pair_train])
X32_pair = X32[pair_test]
session = ort.InferenceSession(
    skl2onnx.to_onnx(hinge, X32_pair[:1]).SerializeToString(),
    providers=["CPUExecutionProvider"],
)
labels, scores = session.run(None, {session.get_inputs()[0].name: X32_pair})
expected = hinge.decision_function(X_test[pair_test])
print("decision values:", scores.shape)
print("labels equal:", bool(np.array_equal(labels, hinge.predict(X_test[pair_test]))))
print(f"largest decision-value difference: {np.abs(scores.ravel() - expected).max():.1e}")

fig, ax = plt.subplots(figsize=(4.5, 4))
ax.plot(expected.ravel(), scores.ravel(), ".", ms=2)
ax.set_xlabel("decision_function (scikit-learn)")
ax.set_ylabel("decision values (onnxruntime)")
ax.set_title("The same linear classifier, run by onnxruntime")
fig.tight_layout()
plt.show()
