#!/usr/bin/env python3
"""words.py TRAIN TEXT [--min PCT]: how many words (runs of ASCII letters) of TEXT ("-": stdin)
occur in TRAIN, printed as "N of M (P%)"; with --min, exit 1 unless at least PCT percent do (and
there is at least one word). The issue's measure for greedy text: at least 80% training-text words."""
import argparse
import re
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("train")
    ap.add_argument("text")
    ap.add_argument("--min", type=float)
    a = ap.parse_args()
    with open(a.train, "rb") as f:
        vocab = set(re.findall(rb"[A-Za-z]+", f.read()))
    if a.text == "-":
        text = sys.stdin.buffer.read()
    else:
        with open(a.text, "rb") as f:
            text = f.read()
    w = re.findall(rb"[A-Za-z]+", text)
    n = sum(x in vocab for x in w)
    print("%d of %d (%.0f%%)" % (n, len(w), 100.0 * n / max(1, len(w))))
    if a.min is not None and not (w and n * 100.0 >= a.min * len(w)):
        sys.exit(1)


if __name__ == "__main__":
    main()
