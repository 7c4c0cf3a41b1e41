#!/usr/bin/env python3
"""Generates the boosted-tree import fixtures of glassbox-models (XGBoost JSON, LightGBM text).

Not needed to build or test glassbox: the outputs are committed. Run from the repository root:

    python scripts/gen_gbdt_fixtures.py small    # tiny models + data + the libraries' own
                                                 # predictions and SHAP values
                                                 # -> crates/glassbox-models/tests/fixtures/gbdt/
    python scripts/gen_gbdt_fixtures.py legacy   # run under an older xgboost (1.7.6, 2.1.4):
                                                 # the same binary / multi-class models in that
                                                 # version's JSON schema (reads small's data.csv)
    python scripts/gen_gbdt_fixtures.py bench    # Friedman #1 3500x37 bench models + timings
                                                 # -> crates/glassbox-models/tests/fixtures/bench/

Library versions used for the committed fixtures (also recorded in each folder's manifest.json):
python 3.11.7, numpy 2.4.6, xgboost 3.2.0, lightgbm 4.7.0; legacy: xgboost 1.7.6 and 2.1.4
(numpy 1.26). Everything is seeded; XGBoost and LightGBM training is deterministic given the
seeds and thread counts used here.
"""

import json
import math
import os
import platform
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL = os.path.join(ROOT, "crates", "glassbox-models", "tests", "fixtures", "gbdt")
BENCH = os.path.join(ROOT, "crates", "glassbox-models", "tests", "fixtures", "bench")

FEATURES = ["temp", "pressure", "speed", "load"]


def fmt(v):
    """Shortest text that parses back to exactly the same f64 (NaN as 'NaN')."""
    v = float(v)
    return "NaN" if math.isnan(v) else repr(v)


def write_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(fmt(v) for v in r) + "\n")


def update_manifest(folder, key, entry):
    path = os.path.join(folder, "manifest.json")
    data = {}
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    data[key] = entry
    with open(path, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")


def versions():
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for lib in ("xgboost", "lightgbm"):
        try:
            out[lib] = __import__(lib).__version__
        except ImportError:
            pass
    return out


# ---------------------------------------------------------------- small fixtures

def small_data():
    """160 rows x 4 features, f32-representable (XGBoost reads features as f32, so both libraries
    and glassbox see identical values), NaN in 'pressure' every 9th row, exact zeros in 'load'
    every 5th row (exercises LightGBM's missing types)."""
    rng = np.random.default_rng(7)
    n = 160
    x = rng.normal(size=(n, 4)).astype(np.float32)
    x[:, 2] = rng.uniform(0, 10, size=n).astype(np.float32)
    x[::5, 3] = 0.0
    x[::9, 1] = np.nan
    x = x.astype(np.float64)
    p = np.nan_to_num(x[:, 1])
    y = 3 * x[:, 0] + 2 * np.sin(p) + 0.3 * x[:, 2] * (x[:, 3] > 0) + rng.normal(scale=0.3, size=n)
    return x, y


def contrib_header(n_out, names):
    return [f"o{k}_{f}" for k in range(n_out) for f in list(names) + ["bias"]]


def save_outputs(folder, stem, margin, transformed, contribs, names):
    """margin, transformed: (n, K); contribs: (n, K, F + 1) with the bias last."""
    n, k = margin.shape
    write_csv(os.path.join(folder, f"{stem}.pred.csv"),
              [f"margin_{j}" for j in range(k)] + [f"output_{j}" for j in range(k)],
              np.hstack([margin, transformed]))
    write_csv(os.path.join(folder, f"{stem}.contribs.csv"), contrib_header(k, names),
              contribs.reshape(n, -1))


def xgb_outputs(booster, x, names):
    import xgboost as xgb
    d = xgb.DMatrix(x, feature_names=names)
    margin = booster.predict(d, output_margin=True)
    out = booster.predict(d)
    contribs = booster.predict(d, pred_contribs=True)
    n = x.shape[0]
    margin = margin.reshape(n, -1).astype(np.float64)
    out = out.reshape(n, -1).astype(np.float64)
    contribs = contribs.reshape(n, margin.shape[1], -1).astype(np.float64)
    return margin, out, contribs


def lgb_outputs(booster, x):
    n = x.shape[0]
    margin = booster.predict(x, raw_score=True).reshape(n, -1)
    out = booster.predict(x).reshape(n, -1)
    k = margin.shape[1]
    contribs = booster.predict(x, pred_contrib=True).reshape(n, k, -1)
    return margin, out, contribs


XGB_MODELS = {
    "xgb_reg": ({"objective": "reg:squarederror", "max_depth": 3, "eta": 0.3}, 6, "reg"),
    "xgb_binary": ({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3}, 6, "bin"),
    "xgb_multi": ({"objective": "multi:softprob", "num_class": 3, "max_depth": 2, "eta": 0.3},
                  4, "multi"),
    "xgb_dart": ({"objective": "reg:squarederror", "booster": "dart", "rate_drop": 0.3,
                  "max_depth": 2, "eta": 0.3}, 6, "reg"),
    "xgb_poisson": ({"objective": "count:poisson", "max_depth": 2, "eta": 0.3}, 5, "count"),
}


def labels(x, y, kind):
    if kind == "reg":
        return y
    if kind == "bin":
        return (y > np.median(y)).astype(np.float64)
    if kind == "count":
        return np.floor(np.abs(y))
    q = np.quantile(y, [1 / 3, 2 / 3])
    return (y > q[0]).astype(np.float64) + (y > q[1])


def train_xgb(x, y, stems, suffix=""):
    import xgboost as xgb
    for stem in stems:
        params, rounds, kind = XGB_MODELS[stem]
        params = dict(params, seed=0, nthread=1)
        d = xgb.DMatrix(x, labels(x, y, kind), feature_names=FEATURES)
        b = xgb.train(params, d, rounds)
        name = stem.replace("xgb_", f"xgb{suffix}_") if suffix else stem
        b.save_model(os.path.join(SMALL, f"{name}.json"))
        # Predict with the model as loaded from the file, as glassbox sees it.
        b2 = xgb.Booster(model_file=os.path.join(SMALL, f"{name}.json"))
        save_outputs(SMALL, name, *xgb_outputs(b2, x, FEATURES), FEATURES)
        update_manifest(SMALL, f"{name}.json", {"library": "xgboost", "versions": versions(),
                                               "params": params, "rounds": rounds})


def small():
    import lightgbm as lgb
    os.makedirs(SMALL, exist_ok=True)
    x, y = small_data()
    write_csv(os.path.join(SMALL, "data.csv"), FEATURES + ["y"], np.column_stack([x, y]))
    train_xgb(x, y, list(XGB_MODELS))

    base = {"num_leaves": 7, "min_data_in_leaf": 5, "learning_rate": 0.3, "verbose": -1,
            "seed": 0, "num_threads": 1, "deterministic": True}
    lgb_models = {
        "lgb_reg": (dict(base, objective="regression"), 6, "reg"),
        "lgb_binary": (dict(base, objective="binary"), 6, "bin"),
        "lgb_multi": (dict(base, objective="multiclass", num_class=3), 4, "multi"),
        "lgb_rf": (dict(base, objective="regression", boosting="rf", bagging_freq=1,
                        bagging_fraction=0.6), 5, "reg"),
        "lgb_zero": (dict(base, objective="regression", zero_as_missing=True), 5, "reg"),
    }
    for stem, (params, rounds, kind) in lgb_models.items():
        ds = lgb.Dataset(x, labels(x, y, kind), feature_name=FEATURES, free_raw_data=False)
        b = lgb.train(params, ds, rounds)
        path = os.path.join(SMALL, f"{stem}.txt")
        b.save_model(path)
        b2 = lgb.Booster(model_file=path)
        save_outputs(SMALL, stem, *lgb_outputs(b2, x), FEATURES)
        update_manifest(SMALL, f"{stem}.txt", {"library": "lightgbm", "versions": versions(),
                                              "params": params, "rounds": rounds})


def legacy():
    import xgboost as xgb
    v = xgb.__version__.split(".")
    suffix = v[0] + v[1]
    rows = np.genfromtxt(os.path.join(SMALL, "data.csv"), delimiter=",", skip_header=1)
    x, y = rows[:, :4], rows[:, 4]
    train_xgb(x, y, ["xgb_binary", "xgb_multi"], suffix)


# ---------------------------------------------------------------- bench fixtures

MASK = (1 << 64) - 1


class Rng:
    """glassbox_core::rng::Rng (xoshiro256++ seeded through SplitMix64), bit for bit."""

    def __init__(self, seed):
        sm = seed
        self.s = []
        for _ in range(4):
            sm, v = self._splitmix(sm)
            self.s.append(v)

    @staticmethod
    def _splitmix(state):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return state, z ^ (z >> 31)

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next_u64(self):
        s = self.s
        result = (self._rotl((s[0] + s[3]) & MASK, 23) + s[0]) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result

    def next_f64(self):
        return (self.next_u64() >> 11) * (1.0 / (1 << 53))

    def normal(self):
        u1 = 1.0 - self.next_f64()
        u2 = self.next_f64()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def friedman1(n, m, noise, seed):
    """glassbox_data::friedman1(n, m, noise, seed): same features bit for bit (y to libm
    rounding of sin/log/cos)."""
    rng = Rng(seed)
    x = np.zeros((n, m))
    y = np.zeros(n)
    for i in range(n):
        for j in range(m):
            x[i, j] = rng.next_f64()
        e = rng.normal()
        r = x[i]
        y[i] = (10.0 * math.sin(math.pi * r[0] * r[1]) + 20.0 * (r[2] - 0.5) ** 2 + 10.0 * r[3]
                + 5.0 * r[4] + noise * e)
    return x, y


def median_time(f, reps=5):
    f()  # warm-up
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts) // 2]


def bench():
    import lightgbm as lgb
    import xgboost as xgb
    os.makedirs(BENCH, exist_ok=True)
    n, m, n_train = 3500, 37, 2450
    x, y = friedman1(n, m, 1.0, 2024)
    names = [f"x{j}" for j in range(m)]
    xt, yt = x[:n_train], y[:n_train]
    xe = x[n_train:]
    write_csv(os.path.join(BENCH, "friedman1_explain_1050.csv"), names + ["y"],
              np.column_stack([xe, y[n_train:]]))

    xparams = {"objective": "reg:squarederror", "max_depth": 6, "eta": 0.1, "seed": 0,
               "nthread": 2}
    xb = xgb.train(xparams, xgb.DMatrix(xt, yt, feature_names=names), 500)
    xpath = os.path.join(BENCH, "xgb_friedman_500x6.json")
    xb.save_model(xpath)
    xb = xgb.Booster(model_file=xpath)
    lparams = {"objective": "regression", "num_leaves": 31, "learning_rate": 0.1, "seed": 0,
               "num_threads": 2, "deterministic": True, "verbose": -1}
    lb = lgb.train(lparams, lgb.Dataset(xt, yt, feature_name=names), 300)
    lpath = os.path.join(BENCH, "lgb_friedman_300x31.txt")
    lb.save_model(lpath)
    lb = lgb.Booster(model_file=lpath)

    timings = {}
    for threads in (1, 2):
        xb.set_param({"nthread": threads})
        d = xgb.DMatrix(xe, feature_names=names, nthread=threads)
        timings[f"xgboost_pred_contribs_{threads}t"] = median_time(
            lambda: xb.predict(d, pred_contribs=True))
        timings[f"lightgbm_pred_contrib_{threads}t"] = median_time(
            lambda: lb.predict(xe, pred_contrib=True, num_threads=threads))
    xb.set_param({"nthread": 2})
    d = xgb.DMatrix(xe, feature_names=names)
    save_outputs(BENCH, "xgb_friedman_500x6", *xgb_outputs(xb, xe, names), names)
    save_outputs(BENCH, "lgb_friedman_300x31", *lgb_outputs(lb, xe), names)
    entry = {"versions": versions(), "xgboost_params": xparams, "xgboost_rounds": 500,
             "lightgbm_params": lparams, "lightgbm_rounds": 300,
             "data": "glassbox_data::friedman1(3500, 37, noise 1.0, seed 2024); train rows "
                     "0..2450, explain rows 2450..3500",
             "timings_s_median_of_5": timings,
             "sizes_bytes": {os.path.basename(p): os.path.getsize(p) for p in (xpath, lpath)},
             "cpu": platform.processor() or platform.machine(), "nproc": os.cpu_count()}
    update_manifest(BENCH, "bench", entry)
    print(json.dumps(entry, indent=2))


if __name__ == "__main__":
    modes = {"small": small, "legacy": legacy, "bench": bench}
    if len(sys.argv) != 2 or sys.argv[1] not in modes:
        sys.exit(__doc__)
    modes[sys.argv[1]]()
