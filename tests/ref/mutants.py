#!/usr/bin/python3
"""mutants.py: does the tolerance catch a wrong model? Each mutant is one plausible runtime bug.

    /usr/bin/python3 tests/ref/mutants.py [--tokens N] [--quick]

For a few random checkpoints, runs the float64 reference and each mutant of it (the same forward
pass with one deliberate mistake), and prints per mutant the largest row difference relative to
max|logit| and whether mmf_ref.compare() fails it at the default tolerance. "none" is the unmutated
forward written a second time here: it must match mmf_ref.Model bit for bit. Mutants marked
"harmless" change the logits by float noise or by less than int8 quantisation noise itself and are
not expected to be caught; every other one must be. Exit status 1 if one is not.
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

MUTANTS = {
    "none": "no change (a second writing of the forward pass)",
    "no_lower_bound": "lower bounds ignored",
    "lb_keep_first": "cumsum of softmax(lower_bounds) without subtracting lb[0]",
    "lb_softmax_dim1": "softmax of lower_bounds over the hidden dim instead of the layers",
    "gate_swap": "GLU halves swapped: silu(last I rows) * first I rows",
    "gamma_per_row": "absmean scale per output row instead of per tensor",
    "no_bitlinear_norm_w": "BitLinear's RMSNorm without its weight",
    "g_norm_swap": "RMSNorm(s) * silu(g) instead of RMSNorm(g) * silu(s)",
    "no_silu_state": "RMSNorm(g) * s (no silu on the state)",
    "state_reset": "recurrent state not carried between tokens",
    "f_not_one_minus": "c = silu(i) * f instead of silu(i) * (1 - f)",
    "lm_head_float": "lm_head as a float matmul with the latent weights (not ternary)",
    "no_final_norm_w": "final RMSNorm without model.norm.weight",
    "bitlinear_eps_1e8": "harmless: BitLinear eps 1e-8 (the unfused module's)",
    "act_round_even": "harmless: activation ties rounded to even (torch.round's rule, not the kernel's)",
}
HARMLESS = {"none", "bitlinear_eps_1e8", "act_round_even"}


class Mutant(mmf_ref.Model):
    def __init__(self, cfg, tensors, mut):
        super().__init__(cfg, tensors, np.float64,
                         mmf_ref.round_even if mut == "act_round_even" else mmf_ref.round_away,
                         1e-8 if mut == "bitlinear_eps_1e8" else mmf_ref.BITLINEAR_EPS)
        self.mut = mut
        lb = tensors["model.lower_bounds"].astype(np.float64)
        if mut == "no_lower_bound":
            self.lb = None
        elif mut == "lb_keep_first":
            e = np.exp(lb - lb.max(axis=0))
            self.lb = np.cumsum(e / e.sum(axis=0), axis=0)
        elif mut == "lb_softmax_dim1":
            e = np.exp(lb - lb.max(axis=1, keepdims=True))
            sm = e / e.sum(axis=1, keepdims=True)
            self.lb = np.cumsum(sm, axis=0) - sm[0]
        if mut == "gamma_per_row":
            names = self.bitlinear_names()
            for name, p in zip(names, self.all_bitlinears()):
                w = tensors[name + ".weight"].astype(np.float64)
                g = np.maximum(np.mean(np.abs(w), axis=1, keepdims=True), mmf_ref.W_EPS)
                p.T = np.clip(mmf_ref.round_even(w / g), -1, 1).astype(np.float32)
                p.row_gamma = g[:, 0]
        if mut == "lm_head_float":
            self.lm_w = tensors["lm_head.weight"].astype(np.float64)

    def bitlinear_names(self):
        names = []
        for l in range(len(self.layers)):
            p = "model.layers.%d." % l
            names += [p + "attn.i_proj", p + "attn.f_proj", p + "attn.g_proj", p + "attn.o_proj",
                      p + "mlp.gate_proj", p + "mlp.down_proj"]
        return names + ["lm_head"]

    def all_bitlinears(self):
        out = []
        for ly in self.layers:
            out += [ly["i"], ly["f"], ly["g"], ly["o"], ly["gate"], ly["down"]]
        return out + [self.lm_head]

    def bitlinear(self, v, p, norm_w=True):
        y = self.rmsnorm(v, p.norm_w if norm_w and self.mut != "no_bitlinear_norm_w" else 1.0, self.bl_eps)
        q, s = mmf_ref.quant_act(y, np.float64, self.act_round)
        acc = (p.T @ q.astype(np.float32)).astype(np.float64)
        return acc * (getattr(p, "row_gamma", p.gamma) / s)

    def step(self, token, state):
        x = self.emb[token].astype(np.float64)
        I = self.cfg["I"]
        for l, ly in enumerate(self.layers):
            if self.mut == "state_reset":
                state[l] = np.zeros_like(state[l])
            h = self.rmsnorm(x, ly["attn_norm"], self.eps)
            i = self.bitlinear(h, ly["i"])
            f = self.sigmoid(self.bitlinear(h, ly["f"]))
            g = self.bitlinear(h, ly["g"])
            if self.lb is not None and l > 0:
                f = self.lb[l] + (1 - self.lb[l]) * f
            c = self.silu(i) * (f if self.mut == "f_not_one_minus" else 1 - f)
            state[l] = f * state[l] + c
            if self.mut == "g_norm_swap":
                o = self.rmsnorm(state[l], ly["g_norm"], self.eps) * self.silu(g)
            elif self.mut == "no_silu_state":
                o = self.rmsnorm(g, ly["g_norm"], self.eps) * state[l]
            else:
                o = self.rmsnorm(g, ly["g_norm"], self.eps) * self.silu(state[l])
            x = x + self.bitlinear(o, ly["o"])
            ab = self.bitlinear(self.rmsnorm(x, ly["mlp_norm"], self.eps), ly["gate"])
            a, b = (ab[I:], ab[:I]) if self.mut == "gate_swap" else (ab[:I], ab[I:])
            x = x + self.bitlinear(self.silu(a) * b, ly["down"])
        hf = self.rmsnorm(x, 1.0 if self.mut == "no_final_norm_w" else self.norm, self.eps)
        if self.mut == "lm_head_float":
            return self.lm_w @ self.rmsnorm(hf, self.lm_head.norm_w, self.bl_eps)
        return self.bitlinear(hf, self.lm_head)


CASES = [(48, 2, 300, None, "bf16", 1), (80, 3, 300, 200, "f16", 2), (256, 8, 2000, None, "bf16", 1)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tokens", type=int, default=12)
    ap.add_argument("--quick", action="store_true", help="only the two small checkpoints")
    a = ap.parse_args(argv)
    cases = CASES[:2] if a.quick else CASES
    top = tempfile.mkdtemp(prefix="mmf_mutants_")
    missed = []
    print("%-20s %s" % ("mutant", "  ".join("d%-3d L%-2d rel   caught" % (c[0], c[1]) for c in cases)))
    results = {m: [] for m in MUTANTS}
    for k, (d, L, V, I, dt, shards) in enumerate(cases):
        path = os.path.join(top, "c%d" % k)
        write_ckpt.write_checkpoint(path, d, L, V, I, 4, shards, dt, 100 + k)
        cfg, tensors = mmf_ref.read_config(path), mmf_ref.read_tensors(path)
        ids = [int(t) for t in np.random.default_rng(k).integers(0, V, a.tokens)]
        ref, _ = mmf_ref.Model(cfg, tensors).run(ids)
        ref32 = ref.astype(np.float32).astype(np.float64)
        for m in MUTANTS:
            out, _ = Mutant(cfg, tensors, m).run(ids)
            if m == "none" and not np.array_equal(out, ref):
                print("mutants: the second forward pass differs from mmf_ref.Model", file=sys.stderr)
                return 1
            ok, rep, _ = mmf_ref.compare(out.astype(np.float32).astype(np.float64), ref32,
                                         mmf_ref.default_rtol(L))
            results[m].append((rep["max_rel_diff"], not ok))
            if m not in HARMLESS and ok:
                missed.append("%s on d%d L%d" % (m, d, L))
    shutil.rmtree(top)
    for m, rs in results.items():
        print("%-20s %s   %s" % (m, "  ".join("%14.3g %-6s" % (r, "yes" if c else "no") for r, c in rs),
                                 MUTANTS[m]))
    if missed:
        print("mutants: not caught: %s" % ", ".join(missed))
        return 1
    print("mutants: every harmful mutant caught at rtol %g * sqrt(layers)" % mmf_ref.RTOL_SQRT_L)
    return 0


if __name__ == "__main__":
    sys.exit(main())
