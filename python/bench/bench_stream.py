#!/usr/bin/env python
"""Benchmark: `glassbox explain --chunk-rows` on Parquet tables larger than memory needs to be.

Issue 16's acceptance: a synthetic Parquet table of 1M and 4M rows x 37 features (Friedman #1
inputs, uniform on [0, 1), plus the target `y` and an `id` column that are never decoded),
explained with an imported XGBoost model (500 trees, depth 6) streaming, reporting rows/s and
the peak resident memory of the `glassbox` process; peak memory for 4M rows must be within
1.2x of that for 1M rows and under 1 GiB. The SHAP values of two row groups (the first and the
last) are checked against the in-memory path: the same rows written as a small table and
explained without --chunk-rows must give the same numbers, bit for bit.

    cargo build --release -p glassbox-cli
    target/py-venv/bin/python python/bench/bench_stream.py                    # 1M and 4M rows
    target/py-venv/bin/python python/bench/bench_stream.py --rows 200000      # a smoke run

Tables and results go to --workdir (default: a temporary folder, removed afterwards); tables
are written once per size and kept there for reruns when --workdir is given.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
FEATURES = [f"x{j}" for j in range(37)]
WRITE_ROWS = 262_144  # rows generated and written per step (bounded memory here too)
ROW_GROUP = 65_536


def friedman(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Friedman #1 with 37 inputs (5 informative), noise 1."""
    x = rng.random((n, len(FEATURES)))
    y = (
        10 * np.sin(np.pi * x[:, 0] * x[:, 1])
        + 20 * (x[:, 2] - 0.5) ** 2
        + 10 * x[:, 3]
        + 5 * x[:, 4]
        + rng.normal(size=n)
    )
    return x, y


def write_table(path: Path, rows: int, seed: int) -> None:
    """`rows` rows in steps of WRITE_ROWS (each step its own seeded generator), row groups of
    ROW_GROUP rows, Snappy."""
    schema = pa.schema(
        [("id", pa.int64())] + [(f, pa.float64()) for f in FEATURES] + [("y", pa.float64())]
    )
    tmp = path.with_suffix(".partial")
    with pq.ParquetWriter(tmp, schema, compression="snappy") as w:
        for step, start in enumerate(range(0, rows, WRITE_ROWS)):
            n = min(WRITE_ROWS, rows - start)
            x, y = friedman(np.random.default_rng([seed, step]), n)
            cols = [pa.array(np.arange(start, start + n, dtype=np.int64))]
            cols += [pa.array(x[:, j]) for j in range(x.shape[1])]
            cols.append(pa.array(y))
            w.write_table(pa.Table.from_arrays(cols, schema=schema), row_group_size=ROW_GROUP)
    tmp.rename(path)


def train_model(path: Path) -> None:
    """XGBRegressor(500 trees, depth 6) on 20,000 rows of the same distribution."""
    import xgboost as xgb

    x, y = friedman(np.random.default_rng(1), 20_000)
    model = xgb.XGBRegressor(n_estimators=500, max_depth=6, learning_rate=0.05, random_state=0)
    model.fit(x, y)
    booster = model.get_booster()
    booster.feature_names = FEATURES
    booster.save_model(str(path))


def run_glassbox(glassbox: Path, args: list[str]) -> tuple[float, float]:
    """Runs `glassbox --quiet ARGS` under /usr/bin/time -v; returns (wall seconds, peak RSS MiB)."""
    t0 = time.perf_counter()
    out = subprocess.run(
        ["/usr/bin/time", "-v", str(glassbox), "--quiet", *args],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        sys.exit(f"glassbox {' '.join(args)} failed:\n{out.stderr}")
    rss_kb = next(
        int(line.split(":")[1])
        for line in out.stderr.splitlines()
        if "Maximum resident set size" in line
    )
    return wall, rss_kb / 1024


def check_against_in_memory(glassbox, model, table, streamed, workdir) -> int:
    """Explains the first and last row groups of `table` in memory; their values must equal
    the streamed run's rows. Returns the number of rows compared."""
    f = pq.ParquetFile(table)
    groups = sorted({0, f.num_row_groups - 1})
    offsets = np.cumsum([0] + [f.metadata.row_group(g).num_rows for g in range(f.num_row_groups)])
    values = pq.read_table(streamed)
    compared = 0
    for g in groups:
        part = workdir / f"rowgroup{g}.parquet"
        pq.write_table(f.read_row_group(g), part)
        out = workdir / f"rowgroup{g}-explained"
        run_glassbox(
            glassbox,
            ["explain", "--model", str(model), "--data", str(part), "--target", "y",
             "--index-col", "id", "--out", str(out), "--force"],
        )
        mem = pq.read_table(out / "shap_values.parquet")
        rows = values.slice(int(offsets[g]), mem.num_rows)
        for name in mem.column_names:
            a = mem.column(name).to_numpy()
            b = rows.column(name).to_numpy()
            if not np.array_equal(a, b):
                sys.exit(f"row group {g}, column {name}: streamed values differ from in-memory")
        compared += mem.num_rows
    return compared


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 4_000_000])
    ap.add_argument("--chunk-rows", type=int, default=65_536)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--glassbox", type=Path, default=ROOT / "target/release/glassbox")
    ap.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    args = ap.parse_args()
    if not args.glassbox.is_file():
        sys.exit(f"{args.glassbox} not found: cargo build --release -p glassbox-cli")
    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory()
        workdir = Path(tmp.name)
    else:
        workdir = args.workdir
        workdir.mkdir(parents=True, exist_ok=True)
    model = workdir / "xgb_500_d6.json"
    if not model.exists():
        train_model(model)
    results = []
    for rows in args.rows:
        table = workdir / f"friedman_{rows}.parquet"
        if not table.exists():
            t0 = time.perf_counter()
            write_table(table, rows, seed=0)
            print(f"wrote {table.name} ({table.stat().st_size / 2**20:.0f} MiB) "
                  f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        out = workdir / f"explained_{rows}"
        wall, rss = run_glassbox(
            args.glassbox,
            ["explain", "--model", str(model), "--data", str(table), "--target", "y",
             "--index-col", "id", "--chunk-rows", str(args.chunk_rows), "--format",
             args.format, "--out", str(out), "--force"],
        )
        compared = 0
        if args.format == "parquet":
            compared = check_against_in_memory(
                args.glassbox, model, table, out / "shap_values.parquet", workdir
            )
        results.append((rows, wall, rss, compared))
        print(f"{rows} rows: {wall:.1f} s, peak RSS {rss:.0f} MiB", file=sys.stderr)

    print(f"\nmachine: {platform.node()}, {os.cpu_count()} cores, "
          f"{platform.processor() or platform.machine()}; chunk rows {args.chunk_rows}; "
          f"XGBoost 500 trees depth 6, 37 features, TreeSHAP, values written as {args.format}\n")
    print("| rows | wall s | rows/s | peak RSS MiB | rows checked against in-memory |")
    print("|---|---|---|---|---|")
    for rows, wall, rss, compared in results:
        print(f"| {rows:,} | {wall:.1f} | {rows / wall:,.0f} | {rss:.0f} | {compared:,} (equal) |")
    if len(results) > 1:
        ratio = results[-1][2] / results[0][2]
        ok = ratio <= 1.2 and all(r[2] < 1024 for r in results)
        print(f"\npeak RSS {results[-1][0]:,} / {results[0][0]:,} rows: {ratio:.2f}x "
              f"(target <= 1.2x, every run < 1 GiB: {'met' if ok else 'NOT met'})")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
