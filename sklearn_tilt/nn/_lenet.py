"""The paper's LeNet (MatConvNet MNIST baseline) and its scikit-learn/skorch classifier."""

import inspect
from numbers import Integral, Real

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import BaseEstimator
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet, NeuralNetClassifier
from skorch.callbacks import Callback, EpochTimer, PassthroughScoring, PrintLog
from skorch.dataset import ValidSplit

from .._compat import Interval, _fit_context
from ._attack import high_confidence_attack
from ._gradients import input_gradients
from ._torch import IMAGE_SHAPE, N_PIXELS, seed_from_random_state, torch_context

__all__ = ["LeNet", "LeNetClassifier"]


class LeNet(torch.nn.Module):
    """The MatConvNet LeNet for 28x28 grey images, as used in the paper.

    conv 5x5x20, max-pool 2, conv 5x5x50, max-pool 2, conv 4x4x500, ReLU,
    conv 1x1x(n_classes); the output is the vector of logits (the softmax is in
    the loss). As in MatConvNet's ``cnn_mnist``, there is no non-linearity after
    the first two convolutions, the training-set mean image is subtracted from
    the input inside the model (the buffer ``mean``, set by
    :class:`LeNetClassifier` at fit time), weights start as ``init_std * N(0, 1)``
    and biases at zero.

    Parameters
    ----------
    n_classes : int, default=10
        Number of outputs (logits).
    init_std : float or None, default=0.01
        Standard deviation of the Gaussian weight initialisation (MatConvNet's
        ``f = 1/100``). None keeps PyTorch's default initialisation.

    Attributes
    ----------
    mean : torch.Tensor of shape (1, 1, 28, 28)
        Image subtracted from every input (zeros until set).

    Examples
    --------
    >>> import torch
    >>> from sklearn_tilt.nn import LeNet
    >>> LeNet()(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    >>> LeNet(n_classes=3)(torch.zeros(2, 784)).shape  # flat rows are reshaped
    torch.Size([2, 3])
    """

    def __init__(self, n_classes=10, init_std=0.01):
        super().__init__()
        self.n_classes = n_classes
        self.init_std = init_std
        self.conv1 = torch.nn.Conv2d(1, 20, 5)
        self.pool1 = torch.nn.MaxPool2d(2)
        self.conv2 = torch.nn.Conv2d(20, 50, 5)
        self.pool2 = torch.nn.MaxPool2d(2)
        self.conv3 = torch.nn.Conv2d(50, 500, 4)
        self.relu3 = torch.nn.ReLU()
        self.conv4 = torch.nn.Conv2d(500, n_classes, 1)
        self.register_buffer("mean", torch.zeros((1,) + IMAGE_SHAPE))
        if init_std is not None:
            for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
                torch.nn.init.normal_(conv.weight, mean=0.0, std=init_std)
                torch.nn.init.zeros_(conv.bias)

    def forward(self, x):
        """Logits of shape (n, n_classes) for ``x`` of shape (n, 1, 28, 28) or (n, 784)."""
        x = x.reshape((-1,) + IMAGE_SHAPE) - self.mean
        x = self.pool1(self.conv1(x))
        x = self.pool2(self.conv2(x))
        x = self.relu3(self.conv3(x))
        return self.conv4(x).flatten(1)


class _EpochError(Callback):
    """Record ``train_error`` and ``valid_error`` (misclassification rates) per epoch.

    The training error is accumulated over the training batches of the epoch
    while the weights change (as MatConvNet reports it); the validation error is
    measured after the epoch's updates.
    """

    def initialize(self):
        self.counts_ = {True: [0, 0], False: [0, 0]}
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.initialize()

    def on_batch_end(self, net, batch=None, training=None, y_pred=None, **kwargs):
        if y_pred is None or batch is None:
            return
        yi = torch.as_tensor(batch[1])
        wrong = (y_pred.detach().argmax(dim=1).cpu() != yi.cpu()).sum().item()
        counts = self.counts_[bool(training)]
        counts[0] += int(wrong)
        counts[1] += len(yi)

    def on_epoch_end(self, net, **kwargs):
        for training, key in ((True, "train_error"), (False, "valid_error")):
            wrong, total = self.counts_[training]
            if total:
                net.history.record(key, wrong / total)


def _accepts(callable_, name):
    try:
        return name in inspect.signature(callable_).parameters
    except (TypeError, ValueError):
        return False


class LeNetClassifier(NeuralNetClassifier):
    """The paper's LeNet as a scikit-learn classifier (a skorch ``NeuralNetClassifier``).

    Defaults are the paper's (MatConvNet MNIST baseline): mini-batches of 300,
    SGD with learning rate 0.0005 and momentum 0.9, 50 epochs, cross-entropy
    loss. ``lam`` is the weight decay, applied to the convolution weights only
    unless ``decay_bias=True`` (MatConvNet's own training decays the biases too).

    Input is either flat rows of 784 pixels (so that the classifier sits at
    the end of a :class:`~sklearn.pipeline.Pipeline`) or images of shape
    (n, 1, 28, 28) (or (n, 28, 28)). Pixels are expected in [0, 255], as in the
    paper: the hyper-parameters and the attack's step and clip assume that
    scale. The training-set mean image is computed at fit time and subtracted
    inside the model (the ``mean`` buffer of :class:`LeNet`), so raw pixels
    go in and gradients with respect to the input are gradients with respect
    to raw pixels. Data are converted to float32; labels may be of any type
    (they are encoded internally in the order of ``classes_``).

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=LeNet
        The network. It receives ``n_classes`` (the number of classes seen in
        fit) unless ``module__n_classes`` is given. Further ``module__*``
        arguments are passed on, e.g. ``module__init_std``.
    lam : float, default=1e-4
        Weight decay on the weights (not the biases): SGD adds ``lam * w`` to
        the gradient, i.e. the penalty ``(lam / 2) ||w||^2`` (MatConvNet's and
        PyTorch's convention). The paper compares 1e-4 ("low") and 1e-1 ("high").
    decay_bias : bool, default=False
        Whether ``lam`` also decays the biases. False keeps the intercepts
        unpenalised, as in the linear objective of the paper; True is what
        MatConvNet's ``cnn_train`` does for the paper's baseline (every parameter
        of a layer without a ``weightDecay`` field is decayed, and
        ``cnn_mnist_init`` sets none).
    lr : float, default=0.0005
        SGD learning rate.
    momentum : float, default=0.9
        SGD momentum (passed to the optimizer when it accepts ``momentum``).
    max_epochs : int, default=50
        Number of epochs.
    batch_size : int, default=300
        Mini-batch size (also used for prediction).
    temperature : float, default=1.0
        Softmax temperature ``T``: ``predict_proba`` returns
        ``softmax(logits / T)``. It changes neither training nor ``predict``;
        :func:`calibrate_temperature` sets it.
    random_state : int, RandomState instance or None, default=None
        Seed for the weight initialisation and the mini-batch shuffling. With an
        int, two fits give the same network; the caller's global torch random
        state is left untouched. None uses torch's global random state.
    n_jobs : int or None, default=None
        Number of torch threads while fitting and predicting (torch's setting
        is restored after). None means 1, as in scikit-learn; -1 uses all CPUs.
        One thread avoids oversubscription when several processes share the
        CPUs (grid searches, test workers); raise it on an idle many-core machine.
    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
        Loss on the logits.
    optimizer : torch optimizer class, default=torch.optim.SGD
        Optimizer; ``lam`` sets its per-group ``weight_decay``.
    train_split : callable or None, default=ValidSplit(5, stratified=True)
        skorch's internal validation split (by default a stratified 20 % held
        out). None trains on all of X. Ignored when ``X_val, y_val`` are given
        to :meth:`fit`.
    classes : array-like or None, default=None
        All class labels, if they should not be inferred from ``y``.
    verbose : int, default=1
        1 prints one line per epoch (losses, errors, duration); 0 is silent.
    **kwargs
        Any other skorch argument (``iterator_train__*``, ``callbacks``,
        ``device``, ``warm_start``, ``optimizer__*``, ...). Training batches are
        shuffled unless ``iterator_train__shuffle=False``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; logits and probabilities follow this order.
    n_features_in_ : int
        784.
    module_ : LeNet
        The fitted network.
    history : skorch.History
        Per epoch: ``train_loss``, ``valid_loss``, ``train_error`` (error rate on
        the training batches during the epoch), ``valid_error``, ``dur``. The
        paper's curves are ``net.history[:, "train_error"]`` and
        ``net.history[:, "valid_error"]``.

    See Also
    --------
    calibrate_temperature : Set ``temperature`` from a target median confidence.
    high_confidence_attack : The paper's targeted high-confidence attack.
    weight_rms : Per-layer weight RMS.

    Notes
    -----
    The geometry of the paper carries over through the input gradient: the
    first-order distance of ``x`` to the boundary is ``s(x) / ||grad_x s(x)||``
    with ``s`` the margin between the true (or predicted) logit and the best
    other logit (:meth:`margin_and_input_gradient`). The temperature does not
    change it (``s`` and its gradient scale together).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.nn import LeNetClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 255, size=(60, 784)).astype(np.float32)
    >>> y = np.repeat(["even", "odd"], 30)
    >>> net = LeNetClassifier(lam=1e-1, max_epochs=2, verbose=0, random_state=0)
    >>> net = net.fit(X, y)
    >>> net.predict_proba(X[:3]).shape
    (3, 2)
    >>> len(net.history[:, "valid_error"])  # one error rate per epoch
    2
    """

    _parameter_constraints = {
        "module": "no_validation",
        "lam": [Interval(Real, 0, None, closed="left")],
        "decay_bias": ["boolean"],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "criterion": "no_validation",
        "optimizer": "no_validation",
        "train_split": "no_validation",
        "classes": ["array-like", None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        module=LeNet,
        *,
        lam=1e-4,
        decay_bias=False,
        lr=0.0005,
        momentum=0.9,
        max_epochs=50,
        batch_size=300,
        temperature=1.0,
        random_state=None,
        n_jobs=None,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        train_split=ValidSplit(5, stratified=True),
        classes=None,
        verbose=1,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            classes=classes,
            verbose=verbose,
            **kwargs,
        )
        self.lam = lam
        self.decay_bias = decay_bias
        self.momentum = momentum
        self.temperature = temperature
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ sklearn glue
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.non_deterministic = self.random_state is None
        tags.classifier_tags.poor_score = True
        return tags

    def _get_param_names(self):
        # skorch lists every instance attribute not ending in "_", which includes
        # its private bookkeeping ``_params_to_validate``: keep public names only
        return [name for name in super()._get_param_names() if not name.startswith("_")]

    def _validate_params(self):
        # skorch's check of the ``prefix__name`` arguments, then sklearn's constraints
        super()._validate_params()
        BaseEstimator._validate_params(self)

    def _images(self, X, reset):
        """Validate X and return it as float32 images (n, 1, 28, 28) and its shape."""
        ndim = 2
        if not hasattr(X, "iloc") and not hasattr(X, "tocsr"):
            X = np.asarray(X)
            ndim = X.ndim
        if ndim > 2:
            X = check_array(X, allow_nd=True, dtype=np.float32, ensure_all_finite=True)
            if X.shape[1:] not in (IMAGE_SHAPE, IMAGE_SHAPE[1:]):
                raise ValueError(
                    f"{type(self).__name__} takes 28x28 images: X must have shape "
                    f"(n, 1, 28, 28), (n, 28, 28) or (n, 784); got {X.shape}"
                )
            if reset:
                self.n_features_in_ = N_PIXELS
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
            elif getattr(self, "n_features_in_", N_PIXELS) != N_PIXELS:
                raise ValueError(f"{type(self).__name__} was fitted on other inputs")
            shape = X.shape
        else:
            X = validate_data(self, X, reset=reset, dtype=np.float32, ensure_all_finite=True)
            if X.shape[1] != N_PIXELS:
                raise ValueError(
                    f"X has n_features={X.shape[1]}, but {type(self).__name__} takes "
                    f"28x28 images: {N_PIXELS} features (flat rows) or an array of "
                    "shape (n, 1, 28, 28)"
                )
            shape = X.shape
        X = np.ascontiguousarray(X.reshape((-1,) + IMAGE_SHAPE), dtype=np.float32)
        return X, shape

    def _set_classes(self, y, classes=None):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if classes is None:
            classes = self.classes
        classes = np.unique(y) if classes is None else np.asarray(classes)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y; got {len(classes)} class"
            )
        self.classes_inferred_ = classes
        return self._encode(y)

    def _encode(self, y):
        """Indices into ``classes_`` of the labels ``y`` (ValueError for unseen labels)."""
        classes = np.asarray(self.classes_)
        y = column_or_1d(y)
        lookup = {c: i for i, c in enumerate(classes.tolist())}
        try:
            out = np.fromiter((lookup[v] for v in y.tolist()), dtype=np.int64, count=len(y))
        except (KeyError, TypeError):
            unseen = [v for v in y.tolist() if v not in lookup]
            raise ValueError(
                f"y contains labels not in classes_ {classes.tolist()}: "
                f"{sorted(set(map(str, unseen)))[:5]}"
            ) from None
        return out

    def check_data(self, X, y):
        """Skorch's data hook, a no-op here.

        Labels are encoded by :meth:`fit`/:meth:`partial_fit`, so skorch must not
        re-infer ``classes_`` from the encoded targets.

        Parameters
        ----------
        X : array-like
            Input data (already validated).
        y : array-like or None
            Encoded targets.
        """

    # ------------------------------------------------------------------ skorch hooks
    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("error", _EpochError()),
            ("print_log", PrintLog()),
        ]

    def initialize_module(self):
        """Build the module with ``n_classes`` from ``classes_`` and the training mean."""
        kwargs = self.get_params_for("module")
        if "n_classes" not in kwargs and _accepts(
            self.module if isinstance(self.module, type) else type(self.module), "n_classes"
        ):
            try:
                kwargs["n_classes"] = len(self.classes_)
            except AttributeError:
                pass
        module = self.initialized_instance(self.module, kwargs)
        mean = getattr(self, "_fit_mean_", None)
        if mean is not None and isinstance(getattr(module, "mean", None), torch.Tensor):
            with torch.no_grad():
                module.mean.copy_(torch.as_tensor(mean).reshape(module.mean.shape))
        self.module_ = module
        return self

    def initialize_optimizer(self, triggered_directly=None):
        """SGD with weight decay ``lam`` on the weights (and the biases if ``decay_bias``)."""
        named = list(self.get_all_learnable_params())
        weights = [p for name, p in named if not name.endswith("bias")]
        biases = [p for name, p in named if name.endswith("bias")]
        kwargs = self.get_params_for("optimizer")
        kwargs.pop("param_groups", None)
        kwargs.setdefault("lr", self.lr)
        if "momentum" not in kwargs and _accepts(self.optimizer, "momentum"):
            kwargs["momentum"] = self.momentum
        groups = [
            {"params": weights, "weight_decay": float(self.lam)},
            {"params": biases, "weight_decay": float(self.lam) if self.decay_bias else 0.0},
        ]
        self.optimizer_ = self.optimizer(groups, **kwargs)
        return self

    def get_iterator(self, dataset, training=False):
        """As skorch's, but training batches are shuffled unless told otherwise."""
        if training and "iterator_train__shuffle" not in vars(self):
            kwargs = self.get_params_for("iterator_train")
            kwargs.setdefault("batch_size", self.batch_size)
            if kwargs["batch_size"] == -1:
                kwargs["batch_size"] = len(dataset)
            kwargs["shuffle"] = True
            return self.iterator_train(dataset, **kwargs)
        return super().get_iterator(dataset, training=training)

    def get_split_datasets(self, X, y=None, **fit_params):
        """Use ``(X_val, y_val)`` given to fit as validation set, else ``train_split``."""
        valid = getattr(self, "_fit_valid_data_", None)
        if valid is not None:
            return self.get_dataset(X, y), self.get_dataset(*valid)
        return super().get_split_datasets(X, y, **fit_params)

    # ------------------------------------------------------------------ fitting
    def _train(self, X, y, X_val, y_val, reset, routing, fit_params, classes=None):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        # labels first: their errors (one class, continuous y) name the real problem
        if reset:
            y_enc = self._set_classes(y, classes=classes)
        else:
            y_enc = self._encode(column_or_1d(y, warn=True))
        X4, _ = self._images(X, reset=reset)
        if len(y_enc) != len(X4):
            raise ValueError(f"X has {len(X4)} samples but y has {len(y_enc)}")
        valid = None
        if X_val is not None or y_val is not None:
            if X_val is None or y_val is None:
                raise ValueError("give both X_val and y_val, or neither")
            valid = (self._images(X_val, reset=False)[0], self._encode(y_val))
        self._fit_mean_ = X4.mean(axis=0, keepdims=True, dtype=np.float64).astype(np.float32)
        self._fit_valid_data_ = valid
        try:
            with torch_context(self.n_jobs, seed_from_random_state(self.random_state)):
                if reset:
                    self.initialize()
                NeuralNet.partial_fit(self, X4, y_enc, _routing_method=routing, **fit_params)
        finally:
            del self._fit_mean_
            del self._fit_valid_data_
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, X_val=None, y_val=None, **fit_params):
        """Train the network from scratch (or continue, with ``warm_start=True``).

        Parameters
        ----------
        X : array-like of shape (n_samples, 784) or (n_samples, 1, 28, 28)
            Images, pixels in [0, 255].
        y : array-like of shape (n_samples,)
            Labels of any type.
        X_val, y_val : array-like, default=None
            Validation set for the per-epoch ``valid_loss``/``valid_error`` (e.g.
            the test set, as in the paper's curves). When given, all of ``X`` is
            used for training and ``train_split`` is ignored.
        **fit_params : dict
            Passed on to skorch (and to the module's ``forward``).

        Returns
        -------
        self : LeNetClassifier
            The fitted classifier.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.nn import LeNetClassifier
        >>> rng = np.random.default_rng(0)
        >>> X = rng.uniform(0, 255, size=(40, 784))
        >>> y = np.arange(40) % 2
        >>> net = LeNetClassifier(max_epochs=2, verbose=0, random_state=0)
        >>> net = net.fit(X[:30], y[:30], X_val=X[30:], y_val=y[30:])
        >>> len(net.history)
        2
        """
        warm = self.warm_start and self.initialized_ and hasattr(self, "n_features_in_")
        return self._train(X, y, X_val, y_val, not warm, "fit", fit_params)

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-initialising the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784) or (n_samples, 1, 28, 28)
            Images, pixels in [0, 255].
        y : array-like of shape (n_samples,)
            Labels.
        classes : array-like of shape (n_classes,), default=None
            All labels; used on the first call only (default: those of ``y``).
        **fit_params : dict
            Passed on to skorch.

        Returns
        -------
        self : LeNetClassifier
            The updated classifier.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.nn import LeNetClassifier
        >>> rng = np.random.default_rng(0)
        >>> X, y = rng.uniform(0, 255, size=(30, 784)), np.arange(30) % 3
        >>> net = LeNetClassifier(max_epochs=1, verbose=0, train_split=None)
        >>> net = net.partial_fit(X, y).partial_fit(X, y)
        >>> len(net.history)
        2
        """
        first = not (self.initialized_ and hasattr(self, "n_features_in_"))
        return self._train(X, y, None, None, first, "partial_fit", fit_params, classes)

    # ------------------------------------------------------------------ prediction
    def _logits(self, X):
        """Raw logits (float64, shape (n, n_classes)) for validated images ``X``."""
        with torch_context(self.n_jobs):
            out = self.forward(X, training=False)
        return out.detach().cpu().numpy().astype(np.float64)

    def _check_fitted_images(self, X):
        check_is_fitted(self)
        return self._images(X, reset=False)[0]

    def decision_function(self, X):
        """Logits of the network (before the temperature).

        Parameters
        ----------
        X : array-like of shape (n_samples, 784) or (n_samples, 1, 28, 28)
            Images.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            Logits in the order of ``classes_``; for two classes, the raw score
            ``s(x) = z_1 - z_0`` (positive for ``classes_[1]``).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.nn import LeNetClassifier
        >>> X = np.random.default_rng(0).uniform(0, 255, size=(20, 784))
        >>> net = LeNetClassifier(max_epochs=1, verbose=0, train_split=None)
        >>> net.fit(X, np.arange(20) % 3).decision_function(X).shape
        (20, 3)
        """
        z = self._logits(self._check_fitted_images(X))
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def predict_proba(self, X):
        """Class probabilities ``softmax(logits / temperature)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784) or (n_samples, 1, 28, 28)
            Images.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities (float64) in the order of ``classes_``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.nn import LeNetClassifier
        >>> X = np.random.default_rng(0).uniform(0, 255, size=(20, 784))
        >>> net = LeNetClassifier(max_epochs=1, verbose=0, train_split=None)
        >>> p = net.fit(X, np.arange(20) % 2).predict_proba(X)
        >>> bool(np.allclose(p.sum(axis=1), 1.0))
        True
        """
        z = self._logits(self._check_fitted_images(X))
        return softmax(z / float(self.temperature), axis=1)

    def predict(self, X):
        """Predicted labels (the class of the largest logit).

        Parameters
        ----------
        X : array-like of shape (n_samples, 784) or (n_samples, 1, 28, 28)
            Images.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.nn import LeNetClassifier
        >>> X = np.random.default_rng(0).uniform(0, 255, size=(20, 784))
        >>> net = LeNetClassifier(max_epochs=1, verbose=0, train_split=None)
        >>> set(net.fit(X, np.repeat(["a", "b"], 10)).predict(X)) <= {"a", "b"}
        True
        """
        z = self._logits(self._check_fitted_images(X))
        return np.asarray(self.classes_)[np.argmax(z, axis=1)]

    # ------------------------------------------------------------------ geometry
    def margin_and_input_gradient(self, X, y=None):
        """Logit margins and their gradients with respect to the input pixels.

        The margin is the logit of the true class (``y``) or, with ``y=None``,
        of the predicted class, minus the best other logit. The first-order
        distance to the decision boundary is
        ``sklearn_tilt._geometry.first_order_distance(margins, gradients)``.
        Computed in float64.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784) or (n_samples, 1, 28, 28)
            Images.
        y : array-like of shape (n_samples,), default=None
            True labels.

        Returns
        -------
        margins : ndarray of shape (n_samples,)
            Margins (negative where ``y`` is misclassified).
        gradients : ndarray of shape (n_samples, 784)
            Gradients of the margins, flattened row by row.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.nn import LeNetClassifier
        >>> X = np.random.default_rng(0).uniform(0, 255, size=(20, 784))
        >>> net = LeNetClassifier(max_epochs=1, verbose=0, train_split=None)
        >>> m, g = net.fit(X, np.arange(20) % 2).margin_and_input_gradient(X)
        >>> m.shape, g.shape, bool((m >= 0).all())
        ((20,), (20, 784), True)
        """
        return input_gradients(self, X, y, output="margin")

    def mirror_images(self, X, target=None, **attack_kwargs):
        """High-confidence adversarial images: the network's mirror images.

        Each image is pushed (by :func:`high_confidence_attack`) into the
        target class until it is predicted there with the same confidence
        (0.95 by default) that the calibrated network has in its test
        predictions: the network analogue of the linear mirror image.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784) or (n_samples, 1, 28, 28)
            Images, pixels in [0, 255].
        target : array-like of labels, "cyclic" or None, default=None
            Target classes; None: the runner-up class of each image.
        **attack_kwargs : dict
            Passed to :func:`high_confidence_attack` (``confidence``, ``step``,
            ``clip``, ``max_iter``, ``y``, ...).

        Returns
        -------
        X_adv : ndarray
            Adversarial images, float32, in the layout of ``X``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.nn import LeNetClassifier
        >>> X = np.random.default_rng(0).uniform(0, 255, size=(20, 784))
        >>> net = LeNetClassifier(max_epochs=1, verbose=0, train_split=None)
        >>> net = net.fit(X, np.arange(20) % 2)
        >>> net.mirror_images(X[:2], confidence=0.6, step=5.0, max_iter=5).shape
        (2, 784)
        """
        if target is None:
            target = "runner-up"
        return high_confidence_attack(self, X, target, **attack_kwargs).X_adv
