#!/usr/bin/env python
"""Benchmark: the `glassbox` command line against the Python tools, side by side in one run.

What users run is the command, so every glassbox figure here is a `glassbox explain` (or
`glassbox demo`) process: the compute seconds it records in `timings.json` and the wall seconds
of the whole process (reading the table, writing CSVs and plots included). The reference is the
Python library on the same data in the same run (issue 19's table):

| workload | glassbox | reference |
|---|---|---|
| forest TreeSHAP | `explain --method tree-shap`, glassbox forest of 100 full-depth trees | shap.TreeExplainer on a scikit-learn forest of the same size and rows (per row, extrapolated) |
| XGBoost TreeSHAP | `explain` on the saved XGBRegressor(500 trees, depth 6) | `Booster.predict(pred_contribs=True)`, all cores |
| LightGBM TreeSHAP | `explain` on the saved LGBMRegressor(300 trees) | `Booster.predict(pred_contrib=True)`, all cores |
| KernelSHAP | `--method kernel-shap --background-kmeans 10 --nsamples 500` | shap.KernelExplainer(forest.predict, shap.kmeans(train, 10)), nsamples=500 |
| LIME | `--method lime --lime-samples 5000` | lime 0.2 LimeTabularExplainer, num_samples=5000 |
| interactions | `--method interactions`, 20-tree forest | shap_interaction_values on a 20-tree scikit-learn forest |
| demo | `glassbox demo` (full), wall seconds | target 45 s |

Data: `make_friedman1(n_samples=3500, n_features=37, noise=1.0, random_state=0)`; glassbox's
seeded 70/30 split (2450 training, 1050 test rows); the scikit-learn and boosting models train on
glassbox's training rows. Slow references run on a few rows (--shap-rows) and are reported per
row; glassbox's KernelSHAP and LIME run on 200 rows, so that fixed costs (reading the table, the
k-means background, writing the files) do not count as per-row time.

    cargo build --release -p glassbox-cli
    target/py-venv/bin/python python/bench/bench_cli.py              # everything but the demo
    target/py-venv/bin/python python/bench/bench_cli.py --demo       # the demo too
    target/py-venv/bin/python python/bench/bench_cli.py --quick      # a smoke run
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def write_csv(path: Path, x: np.ndarray, y: np.ndarray | None) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"x{j}" for j in range(x.shape[1])] + (["y"] if y is not None else []))
        for i in range(x.shape[0]):
            w.writerow([repr(float(v)) for v in x[i]] + ([repr(float(y[i]))] if y is not None else []))


class Glassbox:
    """Runs the glassbox binary; returns (compute seconds from timings.json, wall seconds)."""

    def __init__(self, binary: Path, work: Path):
        self.binary, self.work, self.n = binary, work, 0

    def run(self, *args: str, out: Path | None = None) -> tuple[float | None, float, Path]:
        self.n += 1
        out = out or self.work / f"run{self.n}"
        cmd = [str(self.binary), "--quiet", *args, "--out", str(out)]
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"glassbox failed: {' '.join(cmd)}\n{done.stderr}")
        timings = out / "timings.json"
        compute = None
        if timings.is_file():
            stages = json.loads(timings.read_text())["stages"]
            compute = sum(s for name, s in stages if name in ("explain", "fit"))
        return compute, wall, out


def timed(f):
    started = time.perf_counter()
    value = f()
    return time.perf_counter() - started, value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=str(ROOT / "target/release/glassbox"))
    ap.add_argument("--quick", action="store_true", help="small models and few rows (smoke run)")
    ap.add_argument("--demo", action="store_true", help="also time `glassbox demo` (about 1-2 min)")
    ap.add_argument("--shap-rows", type=int, default=40, help="rows for the slow references")
    args = ap.parse_args()
    binary = Path(args.binary)
    if not binary.is_file():
        sys.exit(f"{binary} is missing: cargo build --release -p glassbox-cli")

    warnings.filterwarnings("ignore")
    import lightgbm
    import shap
    import sklearn
    import xgboost
    from lime.lime_tabular import LimeTabularExplainer
    from sklearn.datasets import make_friedman1
    from sklearn.ensemble import RandomForestRegressor

    quick = args.quick
    n_trees = 10 if quick else 100
    few = 5 if quick else args.shap_rows
    # glassbox's per-row methods run on more rows than the slow references, so that its fixed
    # costs (reading, the k-means background, writing) do not pass for per-row time.
    many = 20 if quick else 200
    work = Path(tempfile.mkdtemp(prefix="glassbox-bench-"))
    gb = Glassbox(binary, work)
    x, y = make_friedman1(n_samples=3500, n_features=37, noise=1.0, random_state=0)
    data = work / "friedman.csv"
    write_csv(data, x, y)

    # glassbox's forest and its seeded split; the Python models train on the same rows.
    _, fit_wall, rf_run = gb.run("train", "--data", str(data), "--target", "y",
                                 "--n-trees", str(n_trees), out=work / "rf")
    split = list(csv.DictReader((rf_run / "split.csv").open()))
    train_idx = [int(r["row"]) for r in split if r["set"] == "train"]
    train_mask = np.zeros(len(x), bool)
    train_mask[train_idx] = True
    x_tr, y_tr, x_te = x[train_mask], y[train_mask], x[~train_mask]
    import pandas as pd

    names = [f"x{j}" for j in range(x.shape[1])]
    df_tr = pd.DataFrame(x_tr, columns=names)  # the boosters record these feature names
    test_csv, train_csv, few_csv = work / "test.csv", work / "train.csv", work / "few.csv"
    write_csv(test_csv, x_te, None)
    write_csv(train_csv, x_tr, None)
    write_csv(few_csv, x_te[:few], None)
    many_csv = work / "many.csv"
    write_csv(many_csv, x_te[:many], None)
    rows: list[tuple[str, str, float, str, float, float]] = []

    def add(work_name, glassbox_s, glassbox_what, ref_s, ref_what, target):
        rows.append((work_name, glassbox_what, glassbox_s, ref_what, ref_s, target))

    # 1. Forest TreeSHAP.
    compute, wall, _ = gb.run("explain", "--model", str(rf_run), "--data", str(data),
                              "--target", "y", "--rows", "test", "--method", "tree-shap")
    rf = RandomForestRegressor(n_estimators=n_trees, random_state=0, n_jobs=-1).fit(x_tr, y_tr)
    nodes = sum(t.tree_.node_count for t in rf.estimators_)
    s, _ = timed(lambda: shap.TreeExplainer(rf).shap_values(x_te[:few], check_additivity=False))
    add(f"TreeSHAP, forest {n_trees} trees ({nodes // 1000}k nodes in scikit-learn's), "
        f"{len(x_te)} rows", compute, f"compute {compute:.2f} s, wall {wall:.2f} s",
        s / few * len(x_te), f"shap {s / few * 1000:.1f} ms/row", 20.0)

    # 2. XGBoost and 3. LightGBM TreeSHAP.
    for name, target in (("xgboost", 8.0), ("lightgbm", 8.0)):
        if name == "xgboost":
            model = xgboost.XGBRegressor(n_estimators=50 if quick else 500, max_depth=6,
                                         random_state=0, n_jobs=cores()).fit(df_tr, y_tr)
            path = work / "xgb.json"
            model.save_model(path)
            booster = model.get_booster()
            dm = xgboost.DMatrix(pd.DataFrame(x_te, columns=names))
            ref = lambda: booster.predict(dm, pred_contribs=True)  # noqa: E731
            label = f"XGBoost {model.n_estimators} trees depth 6"
        else:
            model = lightgbm.LGBMRegressor(n_estimators=30 if quick else 300, random_state=0,
                                           verbose=-1, n_jobs=cores()).fit(df_tr, y_tr)
            path = work / "lgb.txt"
            model.booster_.save_model(str(path))
            df_te = pd.DataFrame(x_te, columns=names)
            ref = lambda: model.booster_.predict(df_te, pred_contrib=True, num_threads=cores())  # noqa: E731
            label = f"LightGBM {model.n_estimators} trees"
        ref()  # warm up
        s = min(timed(ref)[0] for _ in range(3))
        compute, wall, _ = gb.run("explain", "--model", str(path), "--data", str(test_csv),
                                  "--method", "tree-shap")
        add(f"TreeSHAP, {label}, {len(x_te)} rows", compute,
            f"compute {compute:.3f} s, wall {wall:.2f} s", s, f"{name} own {s:.3f} s", target)

    # 4. KernelSHAP, k-means(10) background of the training rows, 500 samples, per row.
    compute, wall, _ = gb.run("explain", "--model", str(rf_run), "--data", str(many_csv),
                              "--method", "kernel-shap", "--background-data", str(train_csv),
                              "--background-kmeans", "10", "--nsamples", "500")
    bg = shap.kmeans(x_tr, 10)
    ke = shap.KernelExplainer(rf.predict, bg)
    s, _ = timed(lambda: ke.shap_values(x_te[:few], nsamples=500, silent=True))
    add(f"KernelSHAP, k-means(10), 500 samples, per row ({many} / {few} rows)", compute / many,
        f"{compute / many * 1000:.1f} ms/row", s / few, f"shap {s / few * 1000:.1f} ms/row", 8.0)

    # 5. LIME, 5000 samples, per row.
    compute, wall, _ = gb.run("explain", "--model", str(rf_run), "--data", str(many_csv),
                              "--method", "lime", "--background-data", str(train_csv),
                              "--lime-samples", "5000")
    lime = LimeTabularExplainer(x_tr, mode="regression", random_state=0)
    s, _ = timed(lambda: [lime.explain_instance(r, rf.predict, num_features=37, num_samples=5000)
                          for r in x_te[:few]])
    add(f"LIME tabular, 5000 samples, per row ({many} / {few} rows)", compute / many,
        f"{compute / many * 1000:.1f} ms/row", s / few, f"lime {s / few * 1000:.1f} ms/row", 10.0)

    # 6. Interactions, 20-tree forests, per row.
    _, _, small = gb.run("train", "--data", str(data), "--target", "y", "--n-trees", "20",
                         out=work / "rf20")
    inter_rows = max(2, few // 4)
    inter_csv = work / "inter.csv"
    write_csv(inter_csv, x_te[:inter_rows], None)
    compute, wall, _ = gb.run("explain", "--model", str(small), "--data", str(inter_csv),
                              "--method", "interactions")
    rf20 = RandomForestRegressor(n_estimators=20, random_state=0, n_jobs=-1).fit(x_tr, y_tr)
    s, _ = timed(lambda: shap.TreeExplainer(rf20).shap_interaction_values(x_te[:inter_rows]))
    add(f"interactions, 20-tree forest, per row ({inter_rows} rows)", compute / inter_rows,
        f"{compute / inter_rows:.3f} s/row", s / inter_rows, f"shap {s / inter_rows:.3f} s/row",
        10.0)

    if args.demo:
        _, wall, _ = gb.run("demo", out=work / "demo")
        rows.append(("whole `glassbox demo` (full)", f"wall {wall:.1f} s", wall, "target", 45.0, None))

    print(f"\nglassbox CLI vs Python tools — {cpu_model()}, {cores()} cores; shap {shap.__version__}, "
          f"scikit-learn {sklearn.__version__}, xgboost {xgboost.__version__}, "
          f"lightgbm {lightgbm.__version__}; data in {work}\n")
    print("| workload | glassbox | reference | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for name, what, g, ref_what, r, target in rows:
        if target is None:  # the demo: seconds against a limit
            print(f"| {name} | {what} | ≤ {r:.0f} s | — | ≤ {r:.0f} s | {'yes' if g <= r else 'no'} |")
            continue
        ratio = r / g if g else float("inf")
        print(f"| {name} | {what} | {ref_what} | {ratio:.1f}× | ≥ {target:.0f}× | "
              f"{'yes' if ratio >= target else 'no'} |")


if __name__ == "__main__":
    main()
