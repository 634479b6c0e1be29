#!/usr/bin/python3
"""compare.py: check one logits file against a reference logits file (float32 LE, [T, vocab]).

    /usr/bin/python3 tests/ref/compare.py --vocab V --layers L RUN.f32 REF.f32 [--rtol R] [--atol A] [--json]

Row by row: max |run - ref| must be within atol + rtol * max|ref row|, and the argmax must agree
unless the reference's own top two are within that tolerance (a near tie). rtol defaults to
0.1 * sqrt(L) for a model of L layers (--layers), or give it (--rtol). Prints one summary line
(max abs diff, max diff relative to max|logit|, argmax agreement) or, with --json, one JSON object;
on a failure, one line per bad row naming its row and column, and exit status 1. The tolerance and
why it is sound: tests/ref/mmf_ref.py's docstring and docs/reference.md.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmf_ref  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description="Compare two float32 logits files [T, vocab].")
    ap.add_argument("run", help="logits to check (e.g. from `mmfree run --logits`)")
    ap.add_argument("ref", help="reference logits (mmf_ref.py --logits)")
    ap.add_argument("--vocab", type=int, required=True, help="row length")
    ap.add_argument("--layers", type=int, help="the model's num_hidden_layers: sets the default rtol")
    ap.add_argument("--rtol", type=float, help="of max|ref| per row (default %g * sqrt(layers))"
                    % mmf_ref.RTOL_SQRT_L)
    ap.add_argument("--atol", type=float, default=mmf_ref.ATOL)
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    a = ap.parse_args(argv)
    if a.rtol is None and a.layers is None:
        ap.error("give --layers L (rtol %g * sqrt(L)) or --rtol" % mmf_ref.RTOL_SQRT_L)
    rtol = a.rtol if a.rtol is not None else mmf_ref.default_rtol(a.layers)
    try:
        run = mmf_ref.read_logits(a.run, a.vocab)
        ref = mmf_ref.read_logits(a.ref, a.vocab)
    except (OSError, mmf_ref.CheckpointError) as e:
        print("compare: %s" % e, file=sys.stderr)
        return 1
    ok, rep, lines = mmf_ref.compare(run, ref, rtol, a.atol, os.path.basename(a.run), os.path.basename(a.ref))
    for line in lines:
        print("compare: " + line, file=sys.stderr)
    if a.json:
        print(json.dumps(rep))
    elif "error" not in rep:
        print(mmf_ref.summary(rep))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
