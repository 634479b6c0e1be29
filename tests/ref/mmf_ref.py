#!/usr/bin/python3
"""mmf_ref.py: an independent float64 reference of the MatMul-free LM, to test the C runtime.

    /usr/bin/python3 tests/ref/mmf_ref.py --model DIR --prompt-ids 1,5,9 [--max-new N]
        [--logits OUT.f32] [--compare RUN.f32 [--rtol R] [--atol A]] [--dtype float64|float32]

Computes the model exactly as docs/model.md writes it, written from that page alone (it shares no
code with host/): its own safetensors and config.json reader, RMSNorm, BitLinear (int8 activations,
ternary weights with one absmean scale per tensor, quantised once at load), the HGRN recurrence with
lower bounds, the GLU MLP, the final norm and the ternary lm_head. One forward step per token, the
recurrent state carried between steps, every prompt token teacher-forced, then --max-new tokens
chosen greedily (argmax, lowest index on a tie). --logits writes little-endian float32 [T, vocab], one
row per input position: the prompt's, then one per generated token (that token fed in), the layout
of `mmfree run --logits`. --compare reads such a file from the runtime and checks it against this
computation (see "Tolerance"); compare.py does the same for two files.

Arithmetic: float64 for everything but the integer dot products, which are exact: activation codes q
(|q| <= 128) times ternary codes, summed in float32, where every partial sum is an integer below
128*K <= 2^24 for K <= 131072 inputs and so exact (asserted; MMF_REF_CHECK_INT=1 checks every
product against int64). --dtype float32 runs the same code in float32, a stand-in for a float32
runtime, used to measure how far float32 alone moves the logits. Rounding follows the upstream code
(docs/model.md, "Rounding"): activation codes to nearest with ties away from zero (its Triton kernel's
round), weight codes to nearest with ties to even (torch.round).

Tolerance
---------
Per row r:  max_i |run_ri - ref_ri| <= atol + rtol * max_i |ref_ri|,  rtol = 0.1 * sqrt(L), atol = 1e-4,
L = num_hidden_layers (0.14 at L = 2, 0.2 at L = 4, 0.49 at L = 24); and the argmax must agree unless
the reference's own logits at the two argmaxes are within that tolerance (a near tie, reported).

Why not a few ulps: the runtime computes in float32 with the same int8 quantisation, and float32
rounding alone moves the logits by only ~3e-7 of their scale (measured), but the quantiser is
discontinuous. When some y*s_x lies within float32 error of a .5 boundary, float32 and float64 pick
codes one apart. A token quantises L*(5d+I)+d activations (190k in the 370M model), so this is not
rare: 1% of rows at d 128, L 1, and 30-90% of rows at L >= 8 had one. One flip moves one projection's
outputs by gamma/s_x; the next quantisers turn that into more flips and the recurrent state carries
them to later tokens. The two runs become two equally valid int8 realisations of the model, and their
logits differ by the model's own activation-quantisation noise, which adds up over the layers like a
random walk, hence sqrt(L). It does not grow with the tokens (checked to 128).

Measured (measure_f32.py: --dtype float32 against float64 on random checkpoints, d 48 to 1024, L 1 to
24, BF16/F16/F32, 1 to 3 shards, 32 to 64 tokens, ~15,000 rows): rows without a flip differ by at most
4.5e-7 of max|logit|; rows with one by a median 1-4%, and the worst row by 0.039 * sqrt(L) of max|logit|
(0.158 at d 256, L 16; 0.069 on the 370M shape). rtol = 0.1 * sqrt(L) is 2.5 times that. Argmax
differed in 0.1% of rows at L <= 4 and 4-6% at L >= 12, always between logits closer than the tolerance.

Meaningful: mutants.py runs plausible bugs (lower bounds dropped or not shifted, GLU halves swapped,
absmean per row, a norm weight missed, g_norm's operands swapped, no silu on the state, state not
carried, 1 - f dropped, float lm_head): each moves rows by 1.8 to 10 times the tolerance at L = 2 and
3. Because the tolerance grows with sqrt(L), the runtime is tested on shallow models (L <= 4), where
"rows float noise only" in the report (rows that saw no flip, agreeing to ~1e-6) is also most rows.
docs/reference.md has the tables.
"""
import argparse
import json
import math
import mmap
import os
import sys

import numpy as np

RTOL_SQRT_L = 0.1       # rtol = RTOL_SQRT_L * sqrt(layers), of max|ref logit| in the row ("Tolerance")
ATOL = 1e-4
NOISE = 1e-5            # a row within this much of its scale saw float rounding only, no code flip
BITLINEAR_EPS = 1e-6    # the fused BitLinear kernel's RMSNorm eps (model.md)
ACT_EPS = 1e-5          # floor of max|y| in the activation scale
W_EPS = 1e-5            # floor of the absmean weight scale
EXACT_K = 1 << 17       # float32 sums of |q| <= 128 stay exact below 2^24 = 128 * 2^17

# ---------------------------------------------------------------------------------------------------
# safetensors and config.json
# ---------------------------------------------------------------------------------------------------

ST_ELEM = {"BF16": 2, "F16": 2, "F32": 4}


class CheckpointError(Exception):
    pass


def decode(raw, dtype, shape):
    """Little-endian bytes -> float32 array (BF16 and F16 widen exactly)."""
    if dtype == "BF16":
        a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
    elif dtype == "F16":
        a = np.frombuffer(raw, dtype="<f2").astype(np.float32)
    else:
        a = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    return a.reshape(shape)


def read_safetensors(path):
    """{name: float32 array} of one file, every offset checked against the file."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    if len(buf) < 8:
        raise CheckpointError("%s: %d bytes, shorter than the 8-byte header length" % (path, len(buf)))
    n = int.from_bytes(buf[:8], "little")
    if n > len(buf) - 8:
        raise CheckpointError("%s: header length %d past the end of the file (%d bytes)" % (path, n, len(buf)))
    try:
        header = json.loads(buf[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise CheckpointError("%s: header is not JSON: %s" % (path, e))
    base, size = 8 + n, len(buf) - 8 - n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        dt, shape, (b, e) = t["dtype"], t["shape"], t["data_offsets"]
        if dt not in ST_ELEM:
            raise CheckpointError("%s: %s: dtype %s (takes BF16, F16, F32)" % (path, name, dt))
        numel = int(np.prod(shape, dtype=np.int64))
        if not 0 <= b <= e <= size or e - b != numel * ST_ELEM[dt]:
            raise CheckpointError("%s: %s: data_offsets [%d, %d] wrong for %s %s in %d data bytes"
                                  % (path, name, b, e, dt, shape, size))
        out[name] = decode(buf[base + b:base + e], dt, shape)
    return out


def read_tensors(model_dir):
    """Every tensor of the checkpoint: model.safetensors, or the shards of the index."""
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        tensors = {}
        for fname in sorted(set(weight_map.values())):
            for name, a in read_safetensors(os.path.join(model_dir, fname)).items():
                if weight_map.get(name) != fname:
                    raise CheckpointError("%s: %s is in %s, the index says %s"
                                          % (index, name, fname, weight_map.get(name)))
                tensors[name] = a
        missing = set(weight_map) - set(tensors)
        if missing:
            raise CheckpointError("%s: %d tensors of the index are in no shard, e.g. %s"
                                  % (index, len(missing), sorted(missing)[0]))
        return tensors
    return read_safetensors(os.path.join(model_dir, "model.safetensors"))


def read_config(model_dir):
    """config.json with the documented defaults; refuses what model.md does not describe."""
    path = os.path.join(model_dir, "config.json")
    with open(path) as f:
        c = json.load(f)

    def get(key, default):
        v = c.get(key)
        return default if v is None else v

    cfg = {
        "d": c["hidden_size"], "L": c["num_hidden_layers"], "V": c["vocab_size"],
        "hidden_ratio": get("hidden_ratio", 4),
        "eps": float(get("rms_norm_eps", 1e-6)),
        "use_lower_bound": bool(get("use_lower_bound", True)),
    }
    inter = c.get("intermediate_size")
    if inter is None:
        inter = int(cfg["d"] * cfg["hidden_ratio"] * 2 / 3)
        inter = 256 * ((inter + 255) // 256)
    cfg["I"] = inter
    for key, want in (("model_type", "hgrn_bit"), ("num_heads", 1), ("expand_ratio", 1),
                      ("use_short_conv", False), ("tie_word_embeddings", False)):
        if key in c and c[key] is not None and c[key] != want:
            raise CheckpointError("%s: %s is %r; this reference computes only %r" % (path, key, c[key], want))
    return cfg


# ---------------------------------------------------------------------------------------------------
# the model
# ---------------------------------------------------------------------------------------------------

def round_even(v):
    """To the nearest integer, ties to even (torch.round): the weight codes' rule."""
    return np.rint(v)


def round_away(v):
    """To the nearest integer, ties away from zero (the Triton kernel's round): the activation codes'
    rule. From the truncation and the exact fractional part, not floor(|v| + 0.5), which rounds the
    float just below 0.5 up to 1."""
    t = np.trunc(v)
    return t + np.where(np.abs(v - t) >= 0.5, np.sign(v), 0).astype(t.dtype)


def quant_weights(w, ft):
    """Ternary codes of one weight tensor: (T as float32, gamma). gamma = max(mean|W|, 1e-5) over
    the whole tensor, T = clamp(round_even(W / gamma), -1, 1)."""
    wf = w.astype(ft)
    gamma = max(ft(np.mean(np.abs(wf), dtype=ft)), ft(W_EPS))
    return np.clip(round_even(wf / gamma), -1, 1).astype(np.float32), gamma


def quant_act(y, ft, rule=round_away):
    """int8 codes of one normalised activation vector: (q, s_x). s_x = 127 / max(max|y|, 1e-5),
    q = clamp(rule(y * s_x), -128, 127); rule is round_away but for a mutant."""
    s = ft(127) / max(ft(np.max(np.abs(y))), ft(ACT_EPS))
    return np.clip(rule(y * s), -128, 127), s


class BitLinear:
    """One ternary projection: T (codes as float32) and gamma, quantised once from the latent W."""

    def __init__(self, w, norm_w, ft):
        self.T, self.gamma = quant_weights(w, ft)
        self.norm_w = norm_w.astype(ft)
        if self.T.shape[1] > EXACT_K:
            raise CheckpointError("K = %d inputs: float32 integer sums are exact only to %d"
                                  % (self.T.shape[1], EXACT_K))


class Model:
    """The checkpoint's weights, quantised once; step() runs one token, run() a whole sequence.
    ft is the arithmetic (np.float64, or np.float32 to stand in for a float32 runtime); act_round
    the activation codes' rounding (round_away; another only for a mutant)."""

    def __init__(self, cfg, tensors, ft=np.float64, act_round=round_away, bl_eps=BITLINEAR_EPS):
        self.cfg, self.ft, self.act_round = cfg, ft, act_round
        self.eps, self.bl_eps = ft(cfg["eps"]), ft(bl_eps)
        d, L, V, I = cfg["d"], cfg["L"], cfg["V"], cfg["I"]
        want = expected_shapes(d, L, V, I, cfg["use_lower_bound"])
        for name, shape in want.items():
            if name not in tensors:
                raise CheckpointError("tensor %s missing (shape %s expected)" % (name, list(shape)))
            if tuple(tensors[name].shape) != shape:
                raise CheckpointError("tensor %s: shape %s, expected %s"
                                      % (name, list(tensors[name].shape), list(shape)))
        extra = sorted(set(tensors) - set(want))
        if extra:
            raise CheckpointError("%d tensors not in the model, e.g. %s" % (len(extra), extra[0]))
        for name, a in tensors.items():
            if not np.all(np.isfinite(a)):
                raise CheckpointError("tensor %s holds NaN or Inf" % name)

        def bl(prefix):
            return BitLinear(tensors[prefix + ".weight"], tensors[prefix + ".norm.weight"], ft)

        self.emb = tensors["model.embeddings.weight"]       # widened per token
        if cfg["use_lower_bound"]:
            lb = tensors["model.lower_bounds"].astype(ft)
            e = np.exp(lb - lb.max(axis=0))
            lb = e / e.sum(axis=0)
            self.lb = np.cumsum(lb, axis=0) - lb[0]
        else:
            self.lb = None
        self.layers = []
        for l in range(L):
            p = "model.layers.%d." % l
            self.layers.append({
                "attn_norm": tensors[p + "attn_norm.weight"].astype(ft),
                "i": bl(p + "attn.i_proj"), "f": bl(p + "attn.f_proj"), "g": bl(p + "attn.g_proj"),
                "g_norm": tensors[p + "attn.g_norm.weight"].astype(ft),
                "o": bl(p + "attn.o_proj"),
                "mlp_norm": tensors[p + "mlp_norm.weight"].astype(ft),
                "gate": bl(p + "mlp.gate_proj"), "down": bl(p + "mlp.down_proj"),
            })
        self.norm = tensors["model.norm.weight"].astype(ft)
        self.lm_head = bl("lm_head")
        self.check_int = os.environ.get("MMF_REF_CHECK_INT") == "1"

    def rmsnorm(self, v, w, eps):
        return v / np.sqrt(np.mean(v * v) + eps) * w

    def sigmoid(self, z):
        with np.errstate(over="ignore"):
            return self.ft(1) / (self.ft(1) + np.exp(-z))

    def silu(self, z):
        return z * self.sigmoid(z)

    def bitlinear(self, v, p):
        ft = self.ft
        y = self.rmsnorm(v, p.norm_w, self.bl_eps)
        q, s = quant_act(y, ft, self.act_round)
        acc = p.T @ q.astype(np.float32)                      # exact integers (see the docstring)
        if self.check_int:
            exact = p.T.astype(np.int64) @ q.astype(np.int64)
            assert np.array_equal(acc.astype(np.int64), exact), "float32 integer dot not exact"
        return acc.astype(ft) * (p.gamma / s)

    def step(self, token, state):
        """One token: updates state (one d-vector per layer) in place, returns the logits."""
        ft = self.ft
        x = self.emb[token].astype(ft)
        for l, ly in enumerate(self.layers):
            h = self.rmsnorm(x, ly["attn_norm"], self.eps)
            i = self.bitlinear(h, ly["i"])
            f = self.sigmoid(self.bitlinear(h, ly["f"]))
            g = self.bitlinear(h, ly["g"])
            if self.lb is not None and l > 0:
                f = self.lb[l] + (ft(1) - self.lb[l]) * f
            c = self.silu(i) * (ft(1) - f)
            state[l] = f * state[l] + c
            o = self.rmsnorm(g, ly["g_norm"], self.eps) * self.silu(state[l])
            x = x + self.bitlinear(o, ly["o"])
            h2 = self.rmsnorm(x, ly["mlp_norm"], self.eps)
            ab = self.bitlinear(h2, ly["gate"])
            I = self.cfg["I"]
            x = x + self.bitlinear(self.silu(ab[:I]) * ab[I:], ly["down"])
        return self.bitlinear(self.rmsnorm(x, self.norm, self.eps), self.lm_head)

    def run(self, prompt, max_new=0):
        """Teacher-force prompt, then max_new greedy tokens. (logits [T, V] float64, generated)."""
        V = self.cfg["V"]
        for t in prompt:
            if not 0 <= t < V:
                raise CheckpointError("token id %d outside the vocabulary [0, %d)" % (t, V))
        state = [np.zeros(self.cfg["d"], dtype=self.ft) for _ in self.layers]
        rows, gen = [], []
        for t in prompt:
            rows.append(self.step(t, state))
        for _ in range(max_new):
            t = int(np.argmax(rows[-1]))
            gen.append(t)
            rows.append(self.step(t, state))
        return np.array(rows, dtype=np.float64), gen


def expected_shapes(d, L, V, I, lower_bound=True):
    """docs/model.md's tensor table."""
    s = {"model.embeddings.weight": (V, d), "model.norm.weight": (d,),
         "lm_head.norm.weight": (d,), "lm_head.weight": (V, d)}
    if lower_bound:
        s["model.lower_bounds"] = (L, d)
    for l in range(L):
        p = "model.layers.%d." % l
        for n in ("attn_norm", "mlp_norm", "attn.g_norm"):
            s[p + n + ".weight"] = (d,)
        for proj in "ifgo":
            s[p + "attn.%s_proj.weight" % proj] = (d, d)
            s[p + "attn.%s_proj.norm.weight" % proj] = (d,)
        s[p + "mlp.gate_proj.weight"] = (2 * I, d)
        s[p + "mlp.gate_proj.norm.weight"] = (d,)
        s[p + "mlp.down_proj.weight"] = (d, I)
        s[p + "mlp.down_proj.norm.weight"] = (I,)
    return s


# ---------------------------------------------------------------------------------------------------
# logits files and the comparison
# ---------------------------------------------------------------------------------------------------

def write_logits(path, rows):
    np.asarray(rows, dtype="<f4").tofile(path)


def read_logits(path, vocab):
    a = np.fromfile(path, dtype="<f4")
    if a.size == 0 or a.size % vocab:
        raise CheckpointError("%s: %d floats, not a whole number of rows of vocab %d" % (path, a.size, vocab))
    return a.reshape(-1, vocab).astype(np.float64)


def default_rtol(layers):
    """The tolerance for a model of this depth (see "Tolerance")."""
    return RTOL_SQRT_L * math.sqrt(layers)


def compare(run, ref, rtol, atol=ATOL, name_run="run", name_ref="ref"):
    """Compare logits [T, V] row by row. Returns (ok, report dict, lines of text)."""
    lines = []
    if run.shape != ref.shape:
        msg = "shape: %s has %d rows x %d, %s has %d rows x %d" % (
            name_run, run.shape[0], run.shape[1], name_ref, ref.shape[0], ref.shape[1])
        return False, {"error": msg}, [msg]
    bad = ~np.isfinite(run)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        msg = "row %d col %d: %s has %r" % (r, c, name_run, run[r, c])
        return False, {"error": msg}, [msg]
    diff = np.abs(run - ref)
    scale = np.max(np.abs(ref), axis=1)
    tol = atol + rtol * scale
    row_err = diff.max(axis=1)
    row_rel = row_err / np.maximum(scale, 1e-30)
    am_run, am_ref = run.argmax(axis=1), ref.argmax(axis=1)
    agree = am_run == am_ref
    rows = np.arange(ref.shape[0])
    gap = ref[rows, am_ref] - ref[rows, am_run]          # >= 0; how far the run's choice is behind
    ties = (~agree) & (gap <= tol)
    r_abs, c_abs = np.unravel_index(np.argmax(diff), diff.shape)
    rep = {
        "rows": int(ref.shape[0]), "vocab": int(ref.shape[1]),
        "max_abs_diff": float(diff.max()), "at": [int(r_abs), int(c_abs)],
        "max_rel_diff": float(row_rel.max()), "rel_row": int(row_rel.argmax()),
        "argmax_agree": int(agree.sum()), "argmax_near_ties": int(ties.sum()),
        "rows_float_noise_only": int((row_rel <= NOISE).sum()),
        "rtol": rtol, "atol": atol,
    }
    ok = True
    for r in np.nonzero(row_err > tol)[0][:5]:
        c = int(diff[r].argmax())
        lines.append("row %d col %d: %s %.7g, %s %.7g, |diff| %.4g > tol %.4g (atol %g + rtol %g * max|%s row| %.4g)"
                     % (r, c, name_run, run[r, c], name_ref, ref[r, c], diff[r, c], tol[r], atol, rtol,
                        name_ref, scale[r]))
        ok = False
    for r in np.nonzero((~agree) & (~ties))[0][:5]:
        lines.append("row %d: argmax %s %d, %s %d; %s's logit there is %.4g below its max (tol %.4g)"
                     % (r, name_run, am_run[r], name_ref, am_ref[r], name_ref, gap[r], tol[r]))
        ok = False
    for r in np.nonzero(ties)[0][:5]:
        lines.append("row %d: argmax %s %d, %s %d: a near tie (gap %.3g <= tol %.3g), not a failure"
                     % (r, name_run, am_run[r], name_ref, am_ref[r], gap[r], tol[r]))
    rep["ok"] = ok
    return ok, rep, lines


def summary(rep):
    return ("%d rows: max|diff| %.3g (row %d col %d), rel %.3g (row %d), argmax %d/%d%s, %d rows float noise "
            "only; tol %.3g*max|row|" % (
                rep["rows"], rep["max_abs_diff"], rep["at"][0], rep["at"][1], rep["max_rel_diff"], rep["rel_row"],
                rep["argmax_agree"], rep["rows"],
                " (%d near ties)" % rep["argmax_near_ties"] if rep["argmax_near_ties"] else "",
                rep["rows_float_noise_only"], rep["rtol"]))


def parse_ids(text):
    try:
        ids = [int(t) for t in text.split(",") if t.strip() != ""]
    except ValueError:
        raise argparse.ArgumentTypeError("expected comma-separated token ids, got %r" % text)
    if not ids:
        raise argparse.ArgumentTypeError("no token ids in %r" % text)
    return ids


def main(argv=None):
    ap = argparse.ArgumentParser(description="Float64 reference of the MatMul-free LM (docs/reference.md).")
    ap.add_argument("--model", required=True, help="checkpoint folder (config.json + safetensors)")
    ap.add_argument("--prompt-ids", type=parse_ids, required=True, help="token ids, e.g. 1,5,9")
    ap.add_argument("--max-new", type=int, default=0, help="greedy tokens after the prompt (0)")
    ap.add_argument("--logits", help="write float32 LE logits [T, vocab] here")
    ap.add_argument("--compare", metavar="FILE", help="check the runtime's logits file against this run")
    ap.add_argument("--rtol", type=float, help="of max|ref logit| per row (%g * sqrt(layers))" % RTOL_SQRT_L)
    ap.add_argument("--atol", type=float, default=ATOL, help="absolute (%g)" % ATOL)
    ap.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                    help="arithmetic (float32: to measure float32 against float64)")
    ap.add_argument("--bitlinear-eps", type=float, default=BITLINEAR_EPS,
                    help="eps of BitLinear's RMSNorm (%g, the fused kernel's)" % BITLINEAR_EPS)
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    a = ap.parse_args(argv)
    if a.max_new < 0:
        ap.error("--max-new must be >= 0")
    try:
        cfg = read_config(a.model)
        model = Model(cfg, read_tensors(a.model), np.float64 if a.dtype == "float64" else np.float32,
                      round_away, a.bitlinear_eps)
        logits, gen = model.run(a.prompt_ids, a.max_new)
        if a.logits:
            write_logits(a.logits, logits)
        out = {"prompt_ids": a.prompt_ids, "generated_ids": gen, "rows": len(logits), "vocab": cfg["V"],
               "hidden": cfg["d"], "layers": cfg["L"], "intermediate": cfg["I"]}
        ok = True
        if a.compare:
            # the reference's own rounding to float32 is what a logits file can hold
            ref = logits.astype(np.float32).astype(np.float64)
            rtol = a.rtol if a.rtol is not None else default_rtol(cfg["L"])
            ok, rep, lines = compare(read_logits(a.compare, cfg["V"]), ref, rtol, a.atol)
            out["compare"] = rep
            for line in lines:
                print("mmf_ref: " + line, file=sys.stderr)
            if "error" not in rep:
                print("mmf_ref: " + summary(rep), file=sys.stderr)
    except (OSError, KeyError, TypeError, ValueError, CheckpointError) as e:
        print("mmf_ref: %s" % e, file=sys.stderr)
        return 1
    if a.json:
        print(json.dumps(out))
    elif gen:
        print("generated_ids: %s" % ",".join(map(str, gen)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
