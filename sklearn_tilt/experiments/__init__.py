"""The paper's experiments as functions returning tables, and the one-command reproduction.

A *table* is a dict of equal-length columns (``pandas.DataFrame(table)`` makes a
frame of it). The command line ``sklearn-tilt`` (``python -m sklearn_tilt``) runs
:func:`reproduce`.

.. autosummary::

   run_toy
   run_svm
   summarize_svm
   run_lenet
   paired_comparison
   combine_verdicts
   attack_indices
   decay_exponent
   matched_learning_rate
   reproduce
   ReproduceConfig
   make_report
"""

from ._lenet import (
    PAPER_TRAINING,
    WEIGHT_DECAYS,
    attack_indices,
    combine_verdicts,
    decay_exponent,
    matched_learning_rate,
    paired_comparison,
    run_lenet,
)
from ._report import make_report
from ._reproduce import ReproduceConfig, reproduce
from ._svm import PAPER_LAMS, SVM_COLUMNS, run_svm, summarize_svm
from ._toy import TOY_LAMS, run_toy

__all__ = [
    "PAPER_LAMS",
    "PAPER_TRAINING",
    "ReproduceConfig",
    "SVM_COLUMNS",
    "TOY_LAMS",
    "WEIGHT_DECAYS",
    "attack_indices",
    "combine_verdicts",
    "decay_exponent",
    "make_report",
    "matched_learning_rate",
    "paired_comparison",
    "reproduce",
    "run_lenet",
    "run_svm",
    "run_toy",
    "summarize_svm",
]
