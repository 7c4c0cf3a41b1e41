#!/usr/bin/env python
"""Benchmark: glassbox TreeSHAP against shap and the boosting libraries' own TreeSHAP.

Workload (glassbox's issue): Friedman-1 with 37 features,
`make_friedman1(n_samples=3500, n_features=37, noise=1.0, random_state=0)`, a 70/30 split
(`train_test_split(test_size=0.3, random_state=0)`), SHAP values of the 1050 test rows.

  (a) scikit-learn RandomForestRegressor(n_estimators=100, full depth, random_state=0):
      the whole call from Python, model conversion included,
      `glassbox.TreeExplainer(model).shap_values(X)` vs `shap.TreeExplainer(model).shap_values(X)`
      (shap's tree_path_dependent C code runs on one thread; glassbox at each --threads count).
  (b) xgboost.XGBRegressor(n_estimators=500, max_depth=6): glassbox vs XGBoost's own
      `Booster.predict(DMatrix, pred_contribs=True)` at the same thread count (nthread).
  (c) lightgbm.LGBMRegressor(n_estimators=300): glassbox vs LightGBM's own
      `Booster.predict(X, pred_contrib=True, num_threads=t)`.

Per row: seconds (median of --repeats runs; shap's forest run takes about a minute, so it runs
--shap-repeats times, once by default), glassbox's conversion seconds (building the
TreeExplainer: reading the model out of the library object) separately, speed-up (reference
seconds / glassbox seconds, same thread count) and the max |difference| of the values.

    python python/bench/bench_tree_shap.py                 # the full workload
    python python/bench/bench_tree_shap.py --quick         # a smoke run (seconds)
    python python/bench/bench_tree_shap.py --threads 1,4 --repeats 5 --only xgboost
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _version(module: str) -> str:
    try:
        mod = __import__(module)
        return getattr(mod, "__version__", "?")
    except Exception as e:  # noqa: BLE001 - reported, not fatal
        return f"unavailable ({type(e).__name__})"


_LAST_CPU = [None]


def _timed(fn, repeats: int):
    """(median wall seconds, last result) of `repeats` calls of `fn`; the median CPU seconds of
    the process (all threads) is left in `_LAST_CPU[0]`."""
    times, cpu, out = [], [], None
    for _ in range(max(1, repeats)):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    _LAST_CPU[0] = statistics.median(cpu)
    return statistics.median(times), out


def _threads(spec: str, cores: int):
    out = []
    for part in spec.split(","):
        part = part.strip().lower()
        if not part:
            continue
        n = cores if part in ("all", "max") else int(part)
        if n < 1:
            raise SystemExit(f"--threads: {part!r} is not a positive count or 'all'")
        if n not in out:
            out.append(n)
    return out


class Table:
    COLUMNS = ("workload", "method", "threads", "seconds", "cpu s", "conversion s", "speed-up",
               "max |diff|")

    def __init__(self):
        self.rows = []

    def add(self, workload, method, threads, seconds, conversion=None, speedup=None, diff=None,
            cpu=None):
        def fmt(v, spec):
            return "-" if v is None else format(v, spec)

        self.rows.append((
            workload, method, str(threads), fmt(seconds, ".3f"), fmt(cpu, ".3f"),
            fmt(conversion, ".3f"),
            "-" if speedup is None else f"{speedup:.1f}x", fmt(diff, ".1e"),
        ))
        print("  " + " | ".join(self.rows[-1]), flush=True)

    def note(self, workload, method, text):
        self.rows.append((workload, method, "-", text, "-", "-", "-", "-"))
        print(f"  {workload} | {method} | {text}", flush=True)

    def render(self) -> str:
        widths = [max(len(c), *(len(r[i]) for r in self.rows)) for i, c in enumerate(self.COLUMNS)]

        def line(cells):
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

        out = [line(self.COLUMNS), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line(r) for r in self.rows]
        return "\n".join(out)


def _glassbox_call(glassbox, model, X, threads):
    """Seconds of the whole call and of the conversion alone, and the values."""

    def whole():
        return glassbox.TreeExplainer(model, n_jobs=threads).shap_values(X)

    def convert():
        return glassbox.TreeExplainer(model, n_jobs=threads)

    return whole, convert


def bench_forest(args, table, X_train, y_train, X_test, thread_counts):
    import glassbox
    from sklearn.ensemble import RandomForestRegressor

    n_trees = 20 if args.quick else 100
    label = f"(a) RandomForest {n_trees} trees"
    print(f"training RandomForestRegressor(n_estimators={n_trees}) ...", flush=True)
    model = RandomForestRegressor(n_estimators=n_trees, random_state=0, n_jobs=-1)
    model.fit(X_train, y_train)
    depth = max(e.get_depth() for e in model.estimators_)
    nodes = sum(e.tree_.node_count for e in model.estimators_)
    print(f"  max depth {depth}, {nodes} nodes", flush=True)

    try:
        glassbox.TreeExplainer(model).shap_values(X_test[:5])  # warm-up (and support check)
    except Exception as e:  # noqa: BLE001 - e.g. scikit-learn conversion not available yet
        table.note(label, "glassbox", f"failed: {type(e).__name__}: {e}"[:200])
        return

    reference = None
    ref_seconds = None
    if not args.skip_shap:
        import shap

        print(f"shap.TreeExplainer(forest).shap_values: {args.shap_repeats} run(s) ...",
              flush=True)
        ref_conv, _ = _timed(lambda: shap.TreeExplainer(model), args.shap_repeats)
        ref_seconds, reference = _timed(
            lambda: shap.TreeExplainer(model).shap_values(X_test), args.shap_repeats
        )
        table.add(label, f"shap {shap.__version__}", 1, ref_seconds, ref_conv, cpu=_LAST_CPU[0])

    for t in thread_counts:
        whole, convert = _glassbox_call(glassbox, model, X_test, t)
        conv, _ = _timed(convert, args.repeats)
        secs, values = _timed(whole, args.repeats)
        diff = None if reference is None else float(np.abs(values - reference).max())
        speedup = None if ref_seconds is None else ref_seconds / secs
        table.add(label, "glassbox", t, secs, conv, speedup, diff, cpu=_LAST_CPU[0])


def bench_xgboost(args, table, X_train, y_train, X_test, thread_counts):
    import glassbox
    import xgboost as xgb

    n_trees = 50 if args.quick else 500
    label = f"(b) XGBoost {n_trees} trees d6"
    print(f"training XGBRegressor(n_estimators={n_trees}, max_depth=6) ...", flush=True)
    model = xgb.XGBRegressor(n_estimators=n_trees, max_depth=6, random_state=0,
                             n_jobs=max(thread_counts))
    model.fit(X_train, y_train)
    booster = model.get_booster()
    glassbox.TreeExplainer(model).shap_values(X_test[:5])  # warm-up

    for t in thread_counts:
        def library(t=t):
            booster.set_param({"nthread": t})
            c = booster.predict(xgb.DMatrix(X_test, nthread=t), pred_contribs=True)
            return c[:, :-1]

        library(t)  # warm-up
        ref_seconds, reference = _timed(library, args.repeats)
        table.add(label, f"xgboost {xgb.__version__} pred_contribs", t, ref_seconds,
                  cpu=_LAST_CPU[0])
        whole, convert = _glassbox_call(glassbox, model, X_test, t)
        conv, _ = _timed(convert, args.repeats)
        secs, values = _timed(whole, args.repeats)
        table.add(label, "glassbox", t, secs, conv, ref_seconds / secs,
                  float(np.abs(values - reference).max()), cpu=_LAST_CPU[0])


def bench_lightgbm(args, table, X_train, y_train, X_test, thread_counts):
    import glassbox
    import lightgbm as lgb

    n_trees = 30 if args.quick else 300
    label = f"(c) LightGBM {n_trees} trees"
    print(f"training LGBMRegressor(n_estimators={n_trees}) ...", flush=True)
    model = lgb.LGBMRegressor(n_estimators=n_trees, random_state=0, verbose=-1,
                              n_jobs=max(thread_counts))
    model.fit(X_train, y_train)
    booster = model.booster_
    glassbox.TreeExplainer(model).shap_values(X_test[:5])  # warm-up

    for t in thread_counts:
        def library(t=t):
            return booster.predict(X_test, pred_contrib=True, num_threads=t)[:, :-1]

        library(t)  # warm-up
        ref_seconds, reference = _timed(library, args.repeats)
        table.add(label, f"lightgbm {lgb.__version__} pred_contrib", t, ref_seconds,
                  cpu=_LAST_CPU[0])
        whole, convert = _glassbox_call(glassbox, model, X_test, t)
        conv, _ = _timed(convert, args.repeats)
        secs, values = _timed(whole, args.repeats)
        table.add(label, "glassbox", t, secs, conv, ref_seconds / secs,
                  float(np.abs(values - reference).max()), cpu=_LAST_CPU[0])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=3,
                   help="timed runs per glassbox / XGBoost / LightGBM row; the median is shown "
                        "(default 3)")
    p.add_argument("--shap-repeats", type=int, default=1,
                   help="timed runs of shap on the forest (about a minute each; default 1)")
    p.add_argument("--threads", default="1,all",
                   help="comma-separated thread counts ('all' = every core; default '1,all')")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: 600 samples, 20/50/30 trees, one repeat")
    p.add_argument("--only", choices=("forest", "xgboost", "lightgbm"), action="append",
                   help="run only these workloads (repeatable)")
    p.add_argument("--skip-shap", action="store_true",
                   help="do not run shap on the forest (no reference values then)")
    args = p.parse_args(argv)
    if args.quick:
        args.repeats = 1

    warnings.filterwarnings("ignore")
    from sklearn.datasets import make_friedman1
    from sklearn.model_selection import train_test_split

    import glassbox

    cores = _cores()
    thread_counts = _threads(args.threads, cores)
    n_samples = 600 if args.quick else 3500
    X, y = make_friedman1(n_samples=n_samples, n_features=37, noise=1.0, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

    print("machine:", f"{cores} cores available ({os.cpu_count()} online),", _cpu_model(),
          f"| {platform.system()} {platform.machine()}")
    try:
        print("load average:", " ".join(f"{v:.2f}" for v in os.getloadavg()))
    except OSError:
        pass
    print("python", platform.python_version(), "| glassbox", glassbox.__version__,
          "| numpy", np.__version__, "| scikit-learn", _version("sklearn"),
          "| shap", _version("shap"), "| xgboost", _version("xgboost"),
          "| lightgbm", _version("lightgbm"))
    print(f"workload: Friedman-1, {X.shape[1]} features, {len(X_train)} training rows, "
          f"{len(X_test)} explained rows; threads {thread_counts}; repeats {args.repeats} "
          f"(shap: {args.shap_repeats}){' [quick]' if args.quick else ''}")
    print()

    table = Table()
    only = set(args.only or ("forest", "xgboost", "lightgbm"))
    for name, fn in (("forest", bench_forest), ("xgboost", bench_xgboost),
                     ("lightgbm", bench_lightgbm)):
        if name not in only:
            continue
        try:
            fn(args, table, X_train, y_train, X_test, thread_counts)
        except ImportError as e:
            table.note(name, "-", f"skipped: {e}")

    print()
    print(table.render())
    print()
    try:
        print("load average at the end:", " ".join(f"{v:.2f}" for v in os.getloadavg()))
    except OSError:
        pass
    print("seconds: median wall time of the whole call from Python (glassbox: TreeExplainer "
          "construction, i.e. conversion, + shap_values; XGBoost: DMatrix + predict). "
          "cpu s: CPU seconds of the process over the same call (all threads; median). "
          "conversion s: TreeExplainer construction alone. speed-up: reference seconds / "
          "glassbox seconds at the same thread count (the forest: shap on its one thread).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
