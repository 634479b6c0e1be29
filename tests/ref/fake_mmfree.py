#!/usr/bin/python3
"""fake_mmfree.py: a stand-in for `mmfree mkmodel` and `mmfree run`, for a dry run of
tests/test_model_ref.sh before the C runtime exists:

    MMFREE=tests/ref/fake_mmfree.py bash tests/test_model_ref.sh

mkmodel writes with write_ckpt.py; run computes with mmf_ref.py in float32 (the same stand-in for a
float32 runtime that the tolerance was measured with) and answers --json with prompt_ids and
generated_ids. Every board and engine give the same bytes. It checks the harness, not the runtime.

MMF_FAKE_BUG makes it wrong on purpose, to see the harness fail: "sim" (board sim's logits one ulp
off), "ids" (generated_ids not the logits' argmax), or a mutant of tests/ref/mutants.py
("gate_swap", "no_silu_state", ...; computed in float64).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmf_ref  # noqa: E402
import mutants  # noqa: E402
import write_ckpt  # noqa: E402


def main(argv):
    if not argv or argv[0] not in ("mkmodel", "run"):
        print("usage: fake_mmfree.py mkmodel|run ...", file=sys.stderr)
        return 2
    if argv[0] == "mkmodel":
        return write_ckpt.main(argv[1:])
    ap = argparse.ArgumentParser(prog="fake_mmfree.py run")
    ap.add_argument("--model", required=True)
    ap.add_argument("--board", default="cpu")
    ap.add_argument("--engine", default="tac")
    ap.add_argument("--prompt-ids", type=mmf_ref.parse_ids, required=True)
    ap.add_argument("--max-new", type=int, default=0)
    ap.add_argument("--greedy", action="store_true")
    ap.add_argument("--logits")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv[1:])
    bug = os.environ.get("MMF_FAKE_BUG", "")
    cfg, tensors = mmf_ref.read_config(a.model), mmf_ref.read_tensors(a.model)
    if bug in mutants.MUTANTS:
        model = mutants.Mutant(cfg, tensors, bug)
    else:
        model = mmf_ref.Model(cfg, tensors, np.float32)
    logits, gen = model.run(a.prompt_ids, a.max_new)
    logits = logits.astype(np.float32)
    if bug == "sim" and a.board == "sim":
        logits[-1, 0] = np.nextafter(logits[-1, 0], np.float32(np.inf))
    if bug == "ids" and gen:
        gen[-1] = (gen[-1] + 1) % cfg["V"]
    if a.logits:
        mmf_ref.write_logits(a.logits, logits)
    if a.json:
        print(json.dumps({"prompt_ids": a.prompt_ids, "generated_ids": gen, "board": a.board,
                          "engine": a.engine}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
