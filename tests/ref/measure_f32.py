#!/usr/bin/python3
"""measure_f32.py: how far float32 arithmetic alone moves the logits, to choose the tolerance.

    /usr/bin/python3 tests/ref/measure_f32.py [--big] [--tokens N]
    /usr/bin/python3 tests/ref/measure_f32.py --sweep D,V,SEEDS [--layers 1,2,4,...] [--tokens N]

Writes random checkpoints (write_ckpt.py) over a range of shapes, dtypes and seeds, runs mmf_ref.py's
model in float64 and in float32 on the same random token ids, and prints per checkpoint: the largest
|logit difference|, the largest difference relative to max|logit| of its row, the share of rows that
differ by more than float32 noise (1e-5 of the row's scale: some activation code flipped), and the argmax
disagreements, and the rows mmf_ref.compare() would fail (must be 0). --big adds the 370M shape (d 1024, 24 layers, vocab 32000; ~4 GB of memory, a minute).
The last line is the worst relative difference over sqrt(layers), the number the tolerance rests on.
--sweep gives, per depth, the distribution over many checkpoints (the table in docs/reference.md).
"""
import argparse
import os
import shutil
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmf_ref  # noqa: E402
import write_ckpt  # noqa: E402

# (d, L, V, I or None, dtype, shards, seeds)
CASES = [
    (48, 1, 300, None, "bf16", 1, (1, 2, 3)),
    (48, 2, 300, None, "f16", 2, (4, 5, 6)),
    (80, 3, 300, 200, "f32", 3, (7, 8, 9)),
    (128, 4, 1000, None, "bf16", 1, (10, 11, 12)),
    (256, 8, 2000, None, "bf16", 2, (13, 14, 15)),
    (512, 12, 4000, None, "bf16", 1, (16, 17)),
    (256, 24, 2000, None, "f16", 1, (19, 20)),
]
BIG = [(1024, 24, 32000, None, "bf16", 2, (18,))]


def rel_rows(d, L, V, I, dt, shards, seed, tokens, top):
    """Write one checkpoint, run it in float64 and float32; (rows' max|diff| relative to max|ref|,
    max|diff|, argmax disagreements, rows mmf_ref.compare() fails at the default tolerance, config)."""
    path = os.path.join(top, "d%d_L%d_s%d" % (d, L, seed))
    write_ckpt.write_checkpoint(path, d, L, V, I, 4, shards, dt, seed)
    cfg = mmf_ref.read_config(path)
    tensors = mmf_ref.read_tensors(path)
    shutil.rmtree(path)
    ids = [int(t) for t in np.random.default_rng(seed).integers(0, V, tokens)]
    r64, _ = mmf_ref.Model(cfg, tensors, np.float64).run(ids)
    r32, _ = mmf_ref.Model(cfg, tensors, np.float32).run(ids)
    ref = r64.astype(np.float32).astype(np.float64)     # what a logits file holds
    diff = np.abs(r32 - ref)
    rel = diff.max(axis=1) / np.abs(ref).max(axis=1)
    fails = sum(not mmf_ref.compare(r32[k:k + 1], ref[k:k + 1], mmf_ref.default_rtol(L))[0]
                for k in range(len(ids)))
    return rel, float(diff.max()), int((r32.argmax(axis=1) != ref.argmax(axis=1)).sum()), fails, cfg


def depth_sweep(d, V, layers, seeds, tokens, top):
    """Per depth: how many rows saw a code flip, and how far those rows moved."""
    print("d %d, V %d, %d checkpoints x %d tokens per depth" % (d, V, seeds, tokens))
    print("%4s %6s %8s %8s %8s %8s %8s %12s %6s" % ("L", "rows", "flipped", "median", "p99", "max",
                                                       "argmax", "max/sqrt(L)", "fails"))
    worst = 0.0
    for L in layers:
        rels, am, fails = [], 0, 0
        for k in range(seeds):
            rel, _, a, f, _ = rel_rows(d, L, V, None, "bf16", 1, 1000 * L + k, tokens, top)
            rels.append(rel)
            am += a
            fails += f
        rel = np.concatenate(rels)
        fl = rel[rel > mmf_ref.NOISE]
        med, p99 = np.percentile(fl, [50, 99]) if len(fl) else (0.0, 0.0)
        worst = max(worst, rel.max() / np.sqrt(L))
        print("%4d %6d %8d %8.3g %8.3g %8.3g %8d %12.3g %6d" % (L, len(rel), len(fl), med, p99, rel.max(), am,
                                                                 rel.max() / np.sqrt(L), fails))
        sys.stdout.flush()
    print("worst max rel / sqrt(L): %.3g (the tolerance is %g * sqrt(L))" % (worst, mmf_ref.RTOL_SQRT_L))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--big", action="store_true", help="also the 370M shape")
    ap.add_argument("--tokens", type=int, default=24, help="token ids per run (24)")
    ap.add_argument("--sweep", metavar="D,V,SEEDS", help="depth sweep instead: hidden D, vocab V, SEEDS "
                    "checkpoints per depth (e.g. 128,1000,12)")
    ap.add_argument("--layers", default="1,2,3,4,6,8,12,16,24", help="depths of the sweep")
    a = ap.parse_args(argv)
    top = tempfile.mkdtemp(prefix="mmf_measure_")
    try:
        if a.sweep:
            d, V, seeds = (int(x) for x in a.sweep.split(","))
            depth_sweep(d, V, [int(x) for x in a.layers.split(",")], seeds, a.tokens, top)
        else:
            table(CASES + (BIG if a.big else []), a.tokens, top)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    return 0


def table(cases, tokens, top):
    worst = (0.0, None)
    tot_rows = tot_flip = tot_am = 0
    print("%-34s %5s %10s %10s %8s %7s %12s %6s" % ("checkpoint", "rows", "max|diff|", "rel/row", "flipped",
                                                    "argmax", "rel/sqrt(L)", "fails"))
    for d, L, V, I, dt, shards, seeds in cases:
        for seed in seeds:
            rel, dmax, am, fails, cfg = rel_rows(d, L, V, I, dt, shards, seed, tokens, top)
            flips = int((rel > mmf_ref.NOISE).sum())
            name = "d%d L%d V%d I%d %s x%d s%d" % (d, L, V, cfg["I"], dt, shards, seed)
            print("%-34s %5d %10.3g %10.3g %8d %7d %12.3g %6d" % (name, len(rel), dmax, rel.max(), flips, am,
                                                                 rel.max() / np.sqrt(L), fails))
            sys.stdout.flush()
            tot_rows += len(rel)
            tot_flip += flips
            tot_am += am
            if rel.max() / np.sqrt(L) > worst[0]:
                worst = (float(rel.max() / np.sqrt(L)), name)
    print("rows %d, rows with a code flip %d (%.1f%%), argmax differs %d; worst rel/sqrt(L) %.3g (%s)"
          % (tot_rows, tot_flip, 100.0 * tot_flip / tot_rows, tot_am, worst[0], worst[1]))


if __name__ == "__main__":
    sys.exit(main())
