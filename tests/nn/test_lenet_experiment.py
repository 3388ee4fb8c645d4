"""The paired low/high weight-decay comparison: statistics, settings and the runner."""

import numpy as np
import pytest

from sklearn_tilt.experiments import (
    PAPER_TRAINING,
    attack_indices,
    combine_verdicts,
    decay_exponent,
    matched_learning_rate,
    paired_comparison,
)
from sklearn_tilt.experiments._lenet import VERDICTS

REPRODUCED, NOT_REPRODUCED, REVERSED = VERDICTS


@pytest.fixture
def low():
    return np.random.default_rng(0).uniform(500, 1500, size=100)


def _noise(n, sd=0.1, seed=1):
    """Multiplicative noise with a log that is exactly symmetric around 0."""
    e = np.random.default_rng(seed).normal(0, sd, size=n // 2)
    return np.exp(np.concatenate([e, -e]))


def test_known_ratio_above_one_is_reproduced(low):
    res = paired_comparison(1.2 * low * _noise(100), low)
    assert res["verdict"] == REPRODUCED
    assert res["p_greater"] < 1e-6 and res["p_less"] > 0.5
    assert res["ratio_ci_low"] < 1.2 < res["ratio_ci_high"]
    assert res["ratio_ci_low"] > 1.0
    assert res["frac_high_greater"] > 0.9 and res["n_pairs"] == 100 and res["n_ties"] == 0


def test_equal_networks_are_not_reproduced(low):
    res = paired_comparison(low * _noise(100), low)
    assert res["verdict"] == NOT_REPRODUCED
    assert res["p_greater"] > 0.3 and res["p_less"] > 0.3
    assert res["ratio_ci_low"] < 1.0 < res["ratio_ci_high"]
    assert res["frac_high_greater"] == 0.5
    same = paired_comparison(low, low)  # all ties: no evidence either way
    assert same["verdict"] == NOT_REPRODUCED and same["n_ties"] == 100
    assert same["p_greater"] == same["p_less"] == 1.0 and same["median_ratio"] == 1.0


def test_known_ratio_below_one_is_reversed(low):
    res = paired_comparison(low * _noise(100) / 1.2, low)
    assert res["verdict"] == REVERSED
    assert res["p_less"] < 1e-6 and res["p_greater"] > 0.5
    assert res["ratio_ci_high"] < 1.0


def test_failures_count_as_infinite_norms(low):
    high = low * _noise(100)
    # the high-decay attack fails on 30 images the low-decay attack turns: high > low there
    high[:30] = np.inf
    res = paired_comparison(high, low)
    assert res["verdict"] == REPRODUCED and res["frac_high_greater"] >= 0.3
    # the medians over each network's own successes would say the opposite
    assert np.median(high[np.isfinite(high)]) < np.median(low)
    assert paired_comparison(low, high)["verdict"] == REVERSED
    # images where both attacks failed are ties
    both = paired_comparison(np.full(10, np.inf), np.full(10, np.inf))
    assert both["verdict"] == NOT_REPRODUCED and both["n_ties"] == 10


def test_paired_comparison_input_errors():
    with pytest.raises(ValueError, match="same length"):
        paired_comparison([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="positive"):
        paired_comparison([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="positive"):
        paired_comparison([1.0, -2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="at least one"):
        paired_comparison([], [])


def test_combine_verdicts():
    assert combine_verdicts([REPRODUCED, REPRODUCED]) == REPRODUCED
    assert combine_verdicts([REVERSED]) == REVERSED
    assert combine_verdicts([NOT_REPRODUCED, NOT_REPRODUCED]) == NOT_REPRODUCED
    assert combine_verdicts([REPRODUCED, NOT_REPRODUCED]).startswith("not reproduced")
    assert combine_verdicts([REPRODUCED, REVERSED]).startswith("not reproduced")
    with pytest.raises(ValueError):
        combine_verdicts([])


def test_attack_indices_are_fixed_and_balanced():
    y = np.repeat(np.arange(10), 50)[np.random.default_rng(0).permutation(500)]
    idx = attack_indices(y, n_per_class=10, random_state=0)
    assert len(idx) == 100 and len(set(idx.tolist())) == 100
    np.testing.assert_array_equal(np.bincount(y[idx]), np.full(10, 10))
    np.testing.assert_array_equal(idx, attack_indices(y, n_per_class=10, random_state=0))
    assert not np.array_equal(idx, attack_indices(y, n_per_class=10, random_state=1))
    assert len(attack_indices(y[:12], n_per_class=5)) <= 12  # small classes give what they have
    with pytest.raises(ValueError, match="n_per_class"):
        attack_indices(y, n_per_class=0)


def test_learning_rate_matches_the_papers_decay_exponent():
    p = PAPER_TRAINING
    assert matched_learning_rate(p["n_train"], p["max_epochs"], p["batch_size"]) == p["lr"]
    paper = decay_exponent(p["lr"], 0.1, 10000, p["momentum"])
    assert paper == pytest.approx(5.0)
    for n, epochs, batch in [(4000, 20, 50), (60000, 3, 50), (60000, 10, 300)]:
        lr = matched_learning_rate(n, epochs, batch)
        steps = epochs * -(-n // batch)
        assert decay_exponent(lr, 0.1, steps) == pytest.approx(paper)
    # too few steps: capped, smaller exponent
    lr = matched_learning_rate(600, 1, 50)
    assert lr == 0.005 and decay_exponent(lr, 0.1, 12) < paper


@pytest.mark.parametrize("decay_bias", [False, True])
def test_bias_decay_option(decay_bias):
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from sklearn_tilt.nn import LeNetClassifier

    X = np.random.default_rng(0).uniform(0, 255, size=(20, 784))
    net = LeNetClassifier(
        lam=0.1, decay_bias=decay_bias, max_epochs=1, verbose=0, train_split=None
    ).fit(X, np.arange(20) % 2)
    named = dict(net.module_.named_parameters())
    ids = {id(p): n for n, p in named.items()}
    decays = {
        ids[id(p)]: g["weight_decay"] for g in net.optimizer_.param_groups for p in g["params"]
    }
    assert all(decays[f"conv{i}.weight"] == 0.1 for i in range(1, 5))
    assert all(decays[f"conv{i}.bias"] == (0.1 if decay_bias else 0.0) for i in range(1, 5))


def test_run_lenet_compares_the_same_images(mnist_5k):
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from sklearn_tilt.experiments import run_lenet

    X, y = mnist_5k
    rng = np.random.RandomState(0)
    idx = rng.permutation(len(X))
    tr, te = idx[:300], idx[300:500]
    res = run_lenet(
        X[tr],
        y[tr],
        X[te],
        y[te],
        seeds=(0,),
        max_epochs=1,
        n_attack_per_class=2,
        attack_max_iter=3,
        n_jobs=1,
    )
    a = res.attack
    lo, hi = a["network"] == "low", a["network"] == "high"
    assert lo.sum() == hi.sum() == 20
    np.testing.assert_array_equal(a["test_index"][lo], a["test_index"][hi])
    np.testing.assert_array_equal(a["target"][lo], a["target"][hi])
    np.testing.assert_array_equal(a["target"][lo], (a["digit"][lo] + 1) % 10)
    np.testing.assert_array_equal(a["test_index"][lo], attack_indices(y[te], 2, 0))
    c = res.comparison
    assert set(c["measure"]) == {"perturbation_norm", "first_order_distance"}
    assert set(c["seed"]) == {"0", "all"}
    assert set(res.verdict) == {"perturbation_norm", "first_order_distance"}
    assert all(v in VERDICTS for v in res.verdict.values())
    s = res.summary
    assert res.settings["lr"] == 0.005 and res.settings["decay_bias"] is True
    assert res.settings["n_steps"] == 6  # 300 images in batches of 50, one epoch
    np.testing.assert_allclose(
        s["decay_exponent"], [decay_exponent(0.005, lam, 6, 0.9) for lam in s["weight_decay"]]
    )
    # medians over all attacked images: with 3 steps almost every attack fails
    rate = s["attack_success_rate"]
    assert ((rate < 0.5) <= np.isinf(s["median_perturbation_norm"])).all()
    with pytest.raises(ValueError, match="low"):
        run_lenet(X[tr], y[tr], X[te], y[te], weight_decays={"a": 1e-4, "b": 1e-1})
    with pytest.raises(ValueError, match="auto"):
        run_lenet(X[tr], y[tr], X[te], y[te], lr="fast")
