#!/usr/bin/python3
"""test_units.py: small checks of mmf_ref.py and write_ckpt.py against values worked out by hand.

Decoding of BF16 and F16 bit patterns, BF16 rounding in the writer, the intermediate_size default for
the published sizes, rounding ties, one BitLinear by hand, the lower bounds, the safetensors header
form and the index, the reader's refusals, and compare()'s verdicts. One line per failure; the last
line "units: N passed, M failed"; exit status 1 on a failure.
"""
import json
import os
import shutil
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmf_ref  # noqa: E402
import write_ckpt  # noqa: E402

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail))


def raises(fn):
    try:
        fn()
    except mmf_ref.CheckpointError as e:
        return str(e)
    return None


def test_decode():
    bf = np.array([0x3F80, 0xC000, 0x7F7F, 0x0001, 0x8000], dtype="<u2").tobytes()
    got = mmf_ref.decode(bf, "BF16", (5,))
    want = np.array([1.0, -2.0, 3.3895313892515355e38, 2.0 ** -133, -0.0], dtype=np.float32)
    check("bf16-decode", np.array_equal(got, want) and np.signbit(got[4]), got)
    f16 = np.array([0x3C00, 0x0001, 0xC500], dtype="<u2").tobytes()
    got = mmf_ref.decode(f16, "F16", (3,))
    check("f16-decode", np.array_equal(got, np.array([1.0, 2.0 ** -24, -5.0], dtype=np.float32)), got)
    f32 = np.array([1.5, -0.25], dtype="<f4").tobytes()
    check("f32-decode", np.array_equal(mmf_ref.decode(f32, "F32", (2,)), [1.5, -0.25]))


def test_bf16_encode():
    # ties go to the even mantissa: 1 + 2^-8 is halfway between 1 and 1 + 2^-7
    x = np.array([1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, -3.0], dtype=np.float32)
    got = mmf_ref.decode(write_ckpt.encode(x, "bf16"), "BF16", (4,))
    want = np.array([1.0, 1 + 2 ** -6, 1 + 2 ** -7, -3.0], dtype=np.float32)
    check("bf16-encode-ties-even", np.array_equal(got, want), got)


def test_intermediate():
    for d, want in ((1024, 2816), (2048, 5632), (2560, 6912), (48, 256), (80, 256)):
        check("intermediate-%d" % d, write_ckpt.default_intermediate(d, 4) == want)


def test_rounding():
    # the two rules on exact ties, both signs, and on the float just below 0.5 (which floor(|v| + 0.5)
    # would round up to 1)
    below = np.nextafter(np.float32(0.5), np.float32(0))
    for ft in (np.float64, np.float32):
        v = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 2.4999, -126.5, below, -below], dtype=ft)
        even, away = mmf_ref.round_even(v), mmf_ref.round_away(v)
        check("round-even-%s" % ft.__name__, np.array_equal(even, [0, 2, 2, 0, -2, 2, -126, 0, 0]), even)
        check("round-away-%s" % ft.__name__, np.array_equal(away, [1, 2, 3, -1, -3, 2, -127, 0, 0]), away)
        check("round-away-dtype-%s" % ft.__name__, away.dtype == ft, away.dtype)


def test_quant_ties():
    # Activation codes with exact ties: max|y| = 127 makes s_x exactly 1 (63.5: exactly 2), so y * s_x
    # is k + 0.5 in float32 and float64 alike. Upstream rounds these away from zero (the Triton
    # kernel): 0.5 -> 1, 2.5 -> 3, -2.5 -> -3, -126.5 -> -127; half to even would give 0, 2, -2, -126.
    for ft in (np.float64, np.float32):
        y = np.array([127, 0.5, 1.5, 2.5, -2.5, -126.5, 0.25], dtype=ft)
        q, s = mmf_ref.quant_act(y, ft)
        check("act-ties-away-%s" % ft.__name__, s == 1 and np.array_equal(q, [127, 1, 2, 3, -3, -127, 0]),
              (s, q))
        q, s = mmf_ref.quant_act(y / 2, ft)
        check("act-ties-away-s2-%s" % ft.__name__, s == 2 and np.array_equal(q, [127, 1, 2, 3, -3, -127, 0]),
              (s, q))
    # Weight codes with exact ties: mean|W| = 6 / 6, so gamma = 1 exactly and W / gamma is +-0.5 or
    # +-1.5 exactly; torch.round (half to even) gives 0 at +-0.5 (away from zero would give +-1)
    w = np.array([[0.5, -0.5, 1.5], [-1.5, 0.5, 1.5]], dtype=np.float32)
    for ft in (np.float64, np.float32):
        T, g = mmf_ref.quant_weights(w, ft)
        check("weight-ties-even-%s" % ft.__name__, g == 1 and np.array_equal(T, [[0, 0, 1], [-1, 0, 1]]), (g, T))


def test_bitlinear(top):
    # W: mean|W| = 0.66 / 6 = 0.11; W / 0.11 = [0.91 -1.82 0.45; 0 2.73 -0.09] -> T = [1 -1 0; 0 1 0]
    w = np.array([[0.1, -0.2, 0.05], [0.0, 0.3, -0.01]], dtype=np.float32)
    p = mmf_ref.BitLinear(w, np.ones(3, dtype=np.float32), np.float64)
    check("bitlinear-gamma", abs(p.gamma - 0.11) < 1e-8, p.gamma)
    check("bitlinear-trits", np.array_equal(p.T, [[1, -1, 0], [0, 1, 0]]), p.T)
    # v = [1 2 -3]: y = v / sqrt(14/3 + 1e-6), s = 127 / max|y|, q = rint(y s) = [42 85 -127]
    # (exactly 127/3 = 42.33 and 254/3 = 84.67), T q = [-43 85], out = T q * 0.11 / s
    m = mmf_ref.Model.__new__(mmf_ref.Model)
    m.ft, m.act_round, m.bl_eps, m.check_int = np.float64, mmf_ref.round_away, 1e-6, True
    v = np.array([1.0, 2.0, -3.0])
    y = v / np.sqrt(14 / 3 + 1e-6)
    s = 127 / np.max(np.abs(y))
    out = m.bitlinear(v, p)
    want = np.array([-43.0, 85.0]) * 0.11 / s
    check("bitlinear-out", np.allclose(out, want, rtol=1e-7, atol=0), (out, want))
    # an all-zero input: the 1e-5 floor keeps s finite and every code 0
    check("bitlinear-zero", np.array_equal(m.bitlinear(np.zeros(3), p), [0.0, 0.0]))


def test_checkpoint(top):
    path = os.path.join(top, "c")
    write_ckpt.write_checkpoint(path, 48, 3, 300, None, 4, 3, "bf16", 7)
    index = json.load(open(os.path.join(path, "model.safetensors.index.json")))
    files = sorted(set(index["weight_map"].values()))
    check("shard-names", files == ["model-0000%d-of-00003.safetensors" % k for k in (1, 2, 3)], files)
    total = 0
    for f in files:
        raw = open(os.path.join(path, f), "rb").read()
        n = int.from_bytes(raw[:8], "little")
        text = raw[8:8 + n].decode()
        h = json.loads(text)
        check("header-pad-8 " + f, n % 8 == 0 and text == text.rstrip() + " " * (len(text) - len(text.rstrip())))
        check("header-metadata " + f, list(h)[0] == "__metadata__" and h["__metadata__"] == {"format": "pt"})
        names = [k for k in h if k != "__metadata__"]
        offs = [h[k]["data_offsets"] for k in names]
        check("header-sorted " + f, names == sorted(names))
        check("data-contiguous " + f, offs[0][0] == 0 and all(a[1] == b[0] for a, b in zip(offs, offs[1:]))
              and offs[-1][1] == len(raw) - 8 - n)
        total += offs[-1][1]
    check("index-total-size", index["metadata"]["total_size"] == total)
    cfg = mmf_ref.read_config(path)
    check("config-null-intermediate", cfg["I"] == 256 and
          json.load(open(os.path.join(path, "config.json")))["intermediate_size"] is None)
    t = mmf_ref.read_tensors(path)
    model = mmf_ref.Model(cfg, t)
    check("lower-bounds", model.lb[0].max() == 0 and np.all(np.diff(model.lb, axis=0) >= 0)
          and model.lb.max() < 1)
    shapes = mmf_ref.expected_shapes(48, 3, 300, 256)
    check("tensor-count", len(t) == len(shapes) == 5 + 3 * 15)   # 365 for the 370M model
    # refusals: a truncated shard, a wrong shape, an extra tensor
    f0 = os.path.join(path, files[0])
    raw = open(f0, "rb").read()
    open(f0, "wb").write(raw[:-2])
    e = raises(lambda: mmf_ref.read_tensors(path))
    check("refuse-truncated", e is not None and "data_offsets" in e, e)
    open(f0, "wb").write(raw)
    bad = dict(t)
    bad["model.layers.1.mlp.down_proj.weight"] = np.zeros((48, 255), dtype=np.float32)
    e = raises(lambda: mmf_ref.Model(cfg, bad))
    check("refuse-shape", e is not None and "down_proj" in e and "[48, 256]" in e, e)
    bad = dict(t)
    bad["model.extra"] = np.zeros(1, dtype=np.float32)
    e = raises(lambda: mmf_ref.Model(cfg, bad))
    check("refuse-extra", e is not None and "model.extra" in e, e)


def test_compare():
    rng = np.random.default_rng(1)
    ref = rng.standard_normal((4, 50))
    ok, rep, lines = mmf_ref.compare(ref.copy(), ref, 0.1)
    check("compare-same", ok and rep["argmax_agree"] == 4 and rep["rows_float_noise_only"] == 4, rep)
    run = ref.copy()
    run[2, 17] += 0.2 * np.abs(ref[2]).max()
    ok, rep, lines = mmf_ref.compare(run, ref, 0.1)
    check("compare-names-row-col", not ok and lines and lines[0].startswith("row 2 col 17:"), lines)
    ok, rep, lines = mmf_ref.compare(ref[:3], ref, 0.1)
    check("compare-rows", not ok and "3 rows" in lines[0] and "4 rows" in lines[0], lines)
    run = ref.copy()
    run[1, 3] = np.nan
    ok, rep, lines = mmf_ref.compare(run, ref, 0.1)
    check("compare-nan", not ok and "row 1 col 3" in lines[0], lines)
    # an argmax flip between two logits closer than the tolerance is a near tie, not a failure
    ref2 = np.array([[1.0, 0.99, 0.0]])
    ok, rep, lines = mmf_ref.compare(np.array([[0.99, 1.0, 0.0]]), ref2, 0.05)
    check("compare-near-tie", ok and rep["argmax_near_ties"] == 1, rep)
    ok, rep, lines = mmf_ref.compare(np.array([[0.5, 1.0, 0.0]]), np.array([[1.0, 0.5, 0.0]]), 0.6)
    check("compare-argmax", ok and rep["argmax_near_ties"] == 1)
    ok, rep, lines = mmf_ref.compare(np.array([[0.7, 1.0, 0.0]]), np.array([[1.0, 0.5, 0.0]]), 0.3)
    check("compare-argmax-far", not ok and any("argmax" in x for x in lines), lines)


def main():
    top = tempfile.mkdtemp(prefix="mmf_units_")
    try:
        test_decode()
        test_bf16_encode()
        test_intermediate()
        test_rounding()
        test_quant_ties()
        test_bitlinear(top)
        test_checkpoint(top)
        test_compare()
    finally:
        shutil.rmtree(top)
    print("units: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
