"""Offline intersphinx inventories.

The documentation is built without network access, so intersphinx cannot download
the ``objects.inv`` of scikit-learn, NumPy, PyTorch, skorch, ... at build time.
Instead, this module lists the external names the documentation refers to, each
with its real URL on the project's site, and writes one small inventory per project
in Sphinx's inventory format (version 2). The links in the built pages therefore
point to the official online documentation, and the build stays offline and
deterministic.

To link a new external name, add it to ``INVENTORIES`` below: ``(name, role,
relative uri[, display name])``; a ``$`` at the end of the uri stands for ``#`` + the name (as in
Sphinx's own inventories).
"""

import os
import zlib

_SK = "modules/generated/{}.html#$"


def _gen(names, role, pattern):
    return [(n, role, pattern.format(n)) for n in names]


#: project -> (base url, [(name, domain:role, uri relative to the base url), ...])
INVENTORIES = {
    "python": (
        "https://docs.python.org/3/",
        [
            ("int", "py:class", "library/functions.html#$"),
            ("float", "py:class", "library/functions.html#$"),
            ("bool", "py:class", "library/functions.html#$"),
            ("str", "py:class", "library/stdtypes.html#$"),
            ("dict", "py:class", "library/stdtypes.html#$"),
            ("list", "py:class", "library/stdtypes.html#$"),
            ("tuple", "py:class", "library/stdtypes.html#$"),
            ("callable", "py:function", "library/functions.html#$"),
            ("None", "py:data", "library/constants.html#$"),
            ("True", "py:data", "library/constants.html#$"),
            ("False", "py:data", "library/constants.html#$"),
            ("pathlib.Path", "py:class", "library/pathlib.html#$"),
            ("os.PathLike", "py:class", "library/os.html#$"),
            ("ValueError", "py:exception", "library/exceptions.html#$"),
            ("contextlib.contextmanager", "py:function", "library/contextlib.html#$"),
            ("collections.namedtuple", "py:function", "library/collections.html#$"),
            ("dataclasses.dataclass", "py:function", "library/dataclasses.html#$"),
            (
                "bltin-boolean-values",
                "std:label",
                "library/stdtypes.html#bltin-boolean-values",
                "Boolean Type - bool",
            ),
            ("sequence", "std:term", "glossary.html#term-sequence"),
            ("iterable", "std:term", "glossary.html#term-iterable"),
            ("generator", "std:term", "glossary.html#term-generator"),
            ("mapping", "std:term", "glossary.html#term-mapping"),
            ("path-like object", "std:term", "glossary.html#term-path-like-object"),
            ("TypeError", "py:exception", "library/exceptions.html#$"),
            ("ImportError", "py:exception", "library/exceptions.html#$"),
            ("FileNotFoundError", "py:exception", "library/exceptions.html#$"),
            ("RuntimeError", "py:exception", "library/exceptions.html#$"),
        ],
    ),
    "numpy": (
        "https://numpy.org/doc/stable/",
        [
            ("numpy", "py:module", "reference/index.html#module-numpy"),
            ("numpy.ndarray", "py:class", "reference/generated/numpy.ndarray.html#$"),
            ("numpy.inf", "py:data", "reference/constants.html#$"),
            ("numpy.nan", "py:data", "reference/constants.html#$"),
            ("array_like", "std:term", "glossary.html#term-array_like"),
            (
                "arrays.scalars",
                "std:label",
                "reference/arrays.scalars.html#arrays-scalars",
                "Scalars",
            ),
            ("numpy.dtype", "py:class", "reference/generated/numpy.dtype.html#$"),
            ("numpy.random.RandomState", "py:class", "reference/random/legacy.html#$"),
            ("numpy.random.Generator", "py:class", "reference/random/generator.html#$"),
            ("numpy.logspace", "py:function", "reference/generated/numpy.logspace.html#$"),
            ("numpy.arccos", "py:data", "reference/generated/numpy.arccos.html#$"),
            ("numpy.linalg.norm", "py:function", "reference/generated/numpy.linalg.norm.html#$"),
            ("numpy.histogram", "py:function", "reference/generated/numpy.histogram.html#$"),
        ],
    ),
    "scipy": (
        "https://docs.scipy.org/doc/scipy/",
        [
            (
                "scipy.sparse.csr_matrix",
                "py:class",
                "reference/generated/scipy.sparse.csr_matrix.html#$",
            ),
            (
                "scipy.sparse.csr_array",
                "py:class",
                "reference/generated/scipy.sparse.csr_array.html#$",
            ),
            (
                "scipy.sparse.issparse",
                "py:function",
                "reference/generated/scipy.sparse.issparse.html#$",
            ),
        ],
    ),
    "sklearn": (
        "https://scikit-learn.org/stable/",
        (
            _gen(
                [
                    "sklearn.base.BaseEstimator",
                    "sklearn.base.ClassifierMixin",
                    "sklearn.base.TransformerMixin",
                    "sklearn.base.OneToOneFeatureMixin",
                    "sklearn.svm.SVC",
                    "sklearn.svm.LinearSVC",
                    "sklearn.linear_model.LogisticRegression",
                    "sklearn.linear_model.LogisticRegressionCV",
                    "sklearn.linear_model.SGDClassifier",
                    "sklearn.linear_model.RidgeClassifier",
                    "sklearn.model_selection.GridSearchCV",
                    "sklearn.model_selection.RandomizedSearchCV",
                    "sklearn.model_selection.KFold",
                    "sklearn.model_selection.StratifiedKFold",
                    "sklearn.model_selection.GroupKFold",
                    "sklearn.model_selection.ValidationCurveDisplay",
                    "sklearn.pipeline.Pipeline",
                    "sklearn.preprocessing.StandardScaler",
                    "sklearn.preprocessing.MinMaxScaler",
                    "sklearn.preprocessing.FunctionTransformer",
                    "sklearn.neighbors.NearestCentroid",
                    "sklearn.exceptions.ConvergenceWarning",
                    "sklearn.exceptions.NotFittedError",
                    "sklearn.inspection.DecisionBoundaryDisplay",
                    "sklearn.metrics.ConfusionMatrixDisplay",
                    "sklearn.metrics.RocCurveDisplay",
                    "sklearn.utils.Bunch",
                    "sklearn.frozen.FrozenEstimator",
                    "sklearn.decomposition.PCA",
                    "sklearn.preprocessing.Normalizer",
                ],
                "py:class",
                _SK,
            )
            + _gen(
                [
                    "sklearn.datasets.load_digits",
                    "sklearn.datasets.fetch_openml",
                    "sklearn.datasets.make_classification",
                    "sklearn.datasets.make_blobs",
                    "sklearn.metrics.make_scorer",
                    "sklearn.metrics.get_scorer",
                    "sklearn.metrics.check_scoring",
                    "sklearn.metrics.accuracy_score",
                    "sklearn.model_selection.cross_val_score",
                    "sklearn.model_selection.cross_validate",
                    "sklearn.model_selection.train_test_split",
                    "sklearn.model_selection.validation_curve",
                    "sklearn.pipeline.make_pipeline",
                    "sklearn.utils.estimator_checks.check_estimator",
                    "sklearn.utils.estimator_checks.parametrize_with_checks",
                    "sklearn.utils.check_random_state",
                    "sklearn.utils.validation.check_is_fitted",
                    "sklearn.set_config",
                    "sklearn.config_context",
                ],
                "py:function",
                _SK,
            )
            + [
                (
                    f"sklearn.base.BaseEstimator.{m}",
                    "py:method",
                    "modules/generated/sklearn.base.BaseEstimator.html#$",
                )
                for m in ("get_params", "set_params", "get_metadata_routing")
            ]
            + [
                ("user_guide", "std:label", "user_guide.html#user-guide", "User Guide"),
                (
                    "glossary",
                    "std:label",
                    "glossary.html#glossary",
                    "Glossary of Common Terms and API Elements",
                ),
                (
                    "metadata_routing",
                    "std:label",
                    "metadata_routing.html#metadata-routing",
                    "Metadata Routing",
                ),
                (
                    "scoring_parameter",
                    "std:label",
                    "modules/model_evaluation.html#scoring-parameter",
                    "The scoring parameter: defining model evaluation rules",
                ),
                (
                    "scoring",
                    "std:label",
                    "modules/model_evaluation.html#scoring",
                    "Metrics and scoring: quantifying the quality of predictions",
                ),
                (
                    "grid_search",
                    "std:label",
                    "modules/grid_search.html#grid-search",
                    "Tuning the hyper-parameters of an estimator",
                ),
                (
                    "cross_validation",
                    "std:label",
                    "modules/cross_validation.html#cross-validation",
                    "Cross-validation: evaluating estimator performance",
                ),
                ("svm", "std:label", "modules/svm.html#svm", "Support Vector Machines"),
                (
                    "logistic_regression",
                    "std:label",
                    "modules/linear_model.html#logistic-regression",
                    "Logistic regression",
                ),
                (
                    "visualizations",
                    "std:label",
                    "visualizations.html#visualizations",
                    "Visualizations",
                ),
                (
                    "develop",
                    "std:label",
                    "developers/develop.html#develop",
                    "Developing scikit-learn estimators",
                ),
                ("random_state", "std:term", "glossary.html#term-random_state"),
                ("n_jobs", "std:term", "glossary.html#term-n_jobs"),
                ("scorer", "std:term", "glossary.html#term-scorer"),
                ("cv splitter", "std:term", "glossary.html#term-CV-splitter"),
                (
                    "cross-validation generator",
                    "std:term",
                    "glossary.html#term-cross-validation-generator",
                ),
                ("array-like", "std:term", "glossary.html#term-array-like"),
                ("sample_weight", "std:term", "glossary.html#term-sample_weight"),
                ("warm_start", "std:term", "glossary.html#term-warm_start"),
                ("class_weight", "std:term", "glossary.html#term-class_weight"),
                ("estimator", "std:term", "glossary.html#term-estimator"),
                ("transformer", "std:term", "glossary.html#term-transformer"),
            ]
        ),
    ),
    "torch": (
        "https://docs.pytorch.org/docs/stable/",
        [
            ("torch.Tensor", "py:class", "tensors.html#$"),
            ("torch.device", "py:class", "tensor_attributes.html#$"),
            ("torch.dtype", "py:class", "tensor_attributes.html#$"),
            ("torch.nn.Module", "py:class", "generated/torch.nn.Module.html#$"),
            ("torch.nn.Conv2d", "py:class", "generated/torch.nn.Conv2d.html#$"),
            ("torch.nn.MaxPool2d", "py:class", "generated/torch.nn.MaxPool2d.html#$"),
            ("torch.nn.ReLU", "py:class", "generated/torch.nn.ReLU.html#$"),
            ("torch.nn.CrossEntropyLoss", "py:class", "generated/torch.nn.CrossEntropyLoss.html#$"),
            ("torch.optim.SGD", "py:class", "generated/torch.optim.SGD.html#$"),
            ("torch.autograd.grad", "py:function", "generated/torch.autograd.grad.html#$"),
            ("torch.set_num_threads", "py:function", "generated/torch.set_num_threads.html#$"),
            ("torch.manual_seed", "py:function", "generated/torch.manual_seed.html#$"),
            ("torch.no_grad", "py:class", "generated/torch.no_grad.html#$"),
        ],
    ),
    "skorch": (
        "https://skorch.readthedocs.io/en/stable/",
        [
            (
                "skorch.NeuralNetClassifier",
                "py:class",
                "classifier.html#skorch.classifier.NeuralNetClassifier",
            ),
            ("skorch.classifier.NeuralNetClassifier", "py:class", "classifier.html#$"),
            ("skorch.NeuralNet", "py:class", "net.html#skorch.net.NeuralNet"),
            ("skorch.net.NeuralNet", "py:class", "net.html#$"),
            ("skorch.callbacks.Callback", "py:class", "callbacks.html#$"),
            ("skorch.callbacks.EpochScoring", "py:class", "callbacks.html#$"),
            ("skorch.callbacks.PrintLog", "py:class", "callbacks.html#$"),
            ("skorch.dataset.ValidSplit", "py:class", "dataset.html#$"),
            ("skorch.history.History", "py:class", "history.html#$"),
        ],
    ),
    "matplotlib": (
        "https://matplotlib.org/stable/",
        (
            _gen(
                [
                    "matplotlib.axes.Axes",
                    "matplotlib.figure.Figure",
                    "matplotlib.lines.Line2D",
                    "matplotlib.image.AxesImage",
                    "matplotlib.collections.PathCollection",
                    "matplotlib.container.BarContainer",
                    "matplotlib.colors.Colormap",
                ],
                "py:class",
                "api/_as_gen/{}.html#$",
            )
            + _gen(
                [
                    "matplotlib.pyplot.subplots",
                    "matplotlib.pyplot.show",
                    "matplotlib.pyplot.figure",
                    "matplotlib.pyplot.savefig",
                ],
                "py:function",
                "api/_as_gen/{}.html#$",
            )
            + [
                (
                    f"matplotlib.axes.Axes.{m}",
                    "py:method",
                    f"api/_as_gen/matplotlib.axes.Axes.{m}.html#$",
                )
                for m in ("plot", "hist", "scatter", "imshow", "axline", "set")
            ]
        ),
    ),
    "joblib": (
        "https://joblib.readthedocs.io/en/stable/",
        [
            ("joblib.Parallel", "py:class", "generated/joblib.Parallel.html#$"),
            ("joblib.parallel_config", "py:class", "generated/joblib.parallel_config.html#$"),
            ("joblib.parallel_backend", "py:class", "generated/joblib.parallel_backend.html#$"),
            ("joblib.delayed", "py:function", "generated/joblib.delayed.html#$"),
        ],
    ),
    "distributed": (
        "https://distributed.dask.org/en/stable/",
        [
            ("distributed.LocalCluster", "py:class", "api.html#$"),
            ("distributed.Client", "py:class", "api.html#$"),
            ("dask.distributed.LocalCluster", "py:class", "api.html#distributed.LocalCluster"),
            ("dask.distributed.Client", "py:class", "api.html#distributed.Client"),
        ],
    ),
}


def write_inventories(dest):
    """Write ``<project>.inv`` for every project of ``INVENTORIES`` into ``dest``.

    Returns the ``intersphinx_mapping`` that uses them: ``{project: (base url,
    local inventory path)}``.
    """
    os.makedirs(dest, exist_ok=True)
    mapping = {}
    for project, (base, entries) in INVENTORIES.items():
        path = os.path.join(dest, f"{project}.inv")
        header = (
            "# Sphinx inventory version 2\n"
            f"# Project: {project}\n"
            "# Version: stable\n"
            "# The remainder of this file is compressed using zlib.\n"
        ).encode()
        lines = []
        for entry in sorted(set(entries)):
            name, role, uri = entry[:3]
            disp = entry[3] if len(entry) > 3 else "-"
            prio = -1 if role.startswith("std:") else 1
            lines.append(f"{name} {role} {prio} {uri} {disp}\n")
        body = "".join(lines).encode()
        data = header + zlib.compress(body, 9)
        old = None
        if os.path.exists(path):
            with open(path, "rb") as f:
                old = f.read()
        if old != data:  # keep the file untouched (and its mtime) when unchanged
            with open(path, "wb") as f:
                f.write(data)
        mapping[project] = (base, path)
    return mapping
