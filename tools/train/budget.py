#!/usr/bin/env python3
"""budget.py: does a MatMul-free LM fit the UP5K's weight memory (16384 words of 64 bits, 128 KiB)?

Counts, for one shape, the 64-bit words of every packed BitLinear in a weight format (rows start on a
word boundary: ceil(K / lanes) words per row; lanes per word: tac2 32, tac5 40, lut3 36, sac4 16,
hls_c/mmf_hls.h) and what an on-chip forward pass keeps beside them: the embedding table (int8 or
int16), the recurrent state (one int32 per hidden unit and layer), every RMSNorm weight and the
per-layer lower bounds (int16), and one 32-bit scale per BitLinear.

    /usr/bin/python3 tools/train/budget.py --hidden 128 --layers 2 --intermediate 256 [--format lut3]
    /usr/bin/python3 tools/train/budget.py --sweep        # the shapes that fit, largest first
"""
import argparse
import math
import sys

WORDS = 16384          # UP5K: four SB_SPRAM256KA, 64 bits wide (hls_c/mmf_hls.h MMF_WMEM_WORDS)
LANES = {"tac2": 32, "tac5": 40, "lut3": 36, "sac4": 16}
VOCAB = 259            # the byte tokenizer: <unk> <s> </s> and 256 bytes


def words(nbytes):
    return (nbytes + 7) // 8


def budget(d, layers, inter, fmt="lut3", emb_bytes=1, vocab=VOCAB):
    """Rows of (item, words) for one shape; the last row is the total."""
    lanes = LANES[fmt]
    wpr = lambda k: math.ceil(k / lanes)
    per_layer = 4 * d * wpr(d) + 2 * inter * wpr(d) + d * wpr(inter)
    rows = [
        ("packed i/f/g/o, gate, down x %d layers (%s)" % (layers, fmt), layers * per_layer),
        ("packed lm_head (%s)" % fmt, vocab * wpr(d)),
        ("embedding table, int%d" % (8 * emb_bytes), words(vocab * d * emb_bytes)),
        ("recurrent state, int32", words(4 * layers * d)),
        ("norm weights + lower bounds, int16", words(2 * (layers * (9 * d + inter) + 2 * d))),
        ("scales, 32-bit (one per BitLinear)", words(4 * (6 * layers + 1))),
    ]
    rows.append(("total", sum(w for _, w in rows)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hidden", type=int)
    ap.add_argument("--layers", type=int)
    ap.add_argument("--intermediate", type=int)
    ap.add_argument("--format", default="lut3", choices=sorted(LANES))
    ap.add_argument("--embedding-bytes", type=int, default=1, choices=(1, 2))
    ap.add_argument("--sweep", action="store_true", help="list shapes that leave at least 10%% free")
    ap.add_argument("--total", action="store_true", help="one line: total words and the share free")
    a = ap.parse_args()
    if a.sweep:
        fits = []
        for d in range(64, 257, 8):
            for layers in range(1, 9):
                for inter in (d, 2 * d, 3 * d):
                    tot = budget(d, layers, inter, a.format, a.embedding_bytes)[-1][1]
                    if tot <= 0.9 * WORDS:
                        fits.append((tot, d, layers, inter))
        for tot, d, layers, inter in sorted(fits, reverse=True)[:20]:
            print("d %3d  L %d  I %3d  %5d words  %4.1f%% free" % (d, layers, inter, tot, 100 - 100 * tot / WORDS))
        return 0
    if not (a.hidden and a.layers and a.intermediate):
        ap.error("give --hidden, --layers and --intermediate (or --sweep)")
    rows = budget(a.hidden, a.layers, a.intermediate, a.format, a.embedding_bytes)
    tot = rows[-1][1]
    if a.total:
        print("%d words, %.1f%% free" % (tot, 100 - 100 * tot / WORDS))
        return 0 if tot <= WORDS else 1
    for name, w in rows:
        print("%-48s %6d words %7d bytes" % (name, w, 8 * w))
    print("%-48s %6d words (%.1f%% free)" % ("UP5K weight memory", WORDS, 100 - 100 * tot / WORDS))
    return 0 if tot <= WORDS else 1


if __name__ == "__main__":
    sys.exit(main())
