"""hgrn.py: the MatMul-free LM (HGRNBit) in PyTorch, written from docs/model.md, for training.

Quantisation-aware: the parameters are latent float weights; `quant` names the forward pass:
"ternary" (or True): every BitLinear uses ternary weights (absmean scale over the whole tensor, round
half to even as torch.round, clamp to +-1) and int8 activations (per-token absmax, round half away
from zero as the upstream Triton kernel, clamp to -128..127), with straight-through gradients;
"pow2": the same with signed power-of-two weights +-alpha 2^-p (p 0..6, or zero), the sac engine's
set (docs/datapaths.md), straight-through as DenseShift trains; None (or False): the float model.

Byte-level vocabulary (259 ids): <unk> 0, <s> 1, </s> 2, byte b is id 3 + b.
"""
import json
import math
import struct

import torch
import torch.nn.functional as F

EPS = 1e-6
VOCAB = 259
BOS = 1


def encode(data: bytes):
    return [BOS] + [b + 3 for b in data]


def rmsnorm(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * w


def round_half_away(x):
    return torch.sign(x) * torch.floor(x.abs() + 0.5)


def ste(x, q):
    """q in the forward pass, the identity's gradient in the backward pass."""
    return x + (q - x).detach()


def ternary(w):
    """gamma * T: gamma = max(mean|W|, 1e-5), T = clamp(round(W / gamma), -1, 1)."""
    g = w.abs().mean().clamp(min=1e-5)
    return torch.round(w / g).clamp(-1, 1) * g


def pow2(w):
    """sign(W) alpha 2^-p: alpha = max(max|W|, 1e-5) over the whole tensor, p = round(-log2(|W| /
    alpha)) clamped to 0..6, zero where |W| / alpha < 2^-6.5 (the sac engine's codes, docs/datapaths.md;
    the rounding is in the log domain, so a tie is never met)."""
    alpha = w.abs().max().clamp(min=1e-5)
    a = w.abs() / alpha
    p = torch.round(-torch.log2(a.clamp(min=2.0 ** -7))).clamp(0, 6)
    q = torch.sign(w) * alpha * torch.pow(2.0, -p)
    return torch.where(a < 2.0 ** -6.5, torch.zeros_like(q), q)


WEIGHT_QUANT = {"ternary": ternary, "pow2": pow2}


def quant_mode(quant):
    """The weight quantiser's name for a `quant` argument: True -> "ternary", False/None -> None."""
    if quant is True:
        return "ternary"
    if quant is False or quant is None or quant == "none":
        return None
    if quant not in WEIGHT_QUANT:
        raise ValueError("quant %r: expected ternary, pow2 or none" % (quant,))
    return quant


def act_int8(y):
    """q / s_x: s_x = 127 / max(max|y|, 1e-5) per token, q = clamp(round(y s_x), -128, 127)."""
    s = 127.0 / y.abs().amax(-1, keepdim=True).clamp(min=1e-5)
    return round_half_away(y * s).clamp(-128, 127) / s


class BitLinear(torch.nn.Module):
    """RMSNorm with its own weight, then int8 activations times ternary weights (or float)."""

    def __init__(self, k, n):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(n, k) * 0.02)
        self.norm = torch.nn.Parameter(torch.ones(k))

    def forward(self, v, quant):
        y = rmsnorm(v, self.norm)
        w = self.weight
        mode = quant_mode(quant)
        if mode:
            y = ste(y, act_int8(y))
            w = ste(w, WEIGHT_QUANT[mode](w))
        return F.linear(y, w)


def scan(f, c, s0, chunk=16):
    """s_t = f_t * s_{t-1} + c_t along dim 1 of (batch, time, d), s_{-1} = s0, in chunks: every
    chunk runs from a zero state in parallel (chunk steps), keeping the running product of f; then
    one pass over the chunks adds each chunk's carried-in state times that product (time/chunk
    steps). Fwd+bwd at batch 32 x 256, d 104, float32, 2 cores: 0.054 s, against 0.20 s for the
    token loop (scan_loop) and 0.23-0.34 s for a log-step Hillis-Steele scan (its torch.cat
    backward dominates); tools/train/README.md."""
    n = f.shape[1]
    pad = -n % chunk
    if pad:
        f = torch.cat([f, f.new_ones(f.shape[0], pad, f.shape[2])], 1)
        c = torch.cat([c, c.new_zeros(c.shape[0], pad, c.shape[2])], 1)
    b, t, d = f.shape
    fr, cr = f.reshape(b, t // chunk, chunk, d), c.reshape(b, t // chunk, chunk, d)
    s, p = torch.zeros_like(fr[:, :, 0]), torch.ones_like(fr[:, :, 0])
    ss, ps = [], []
    for k in range(chunk):
        s = fr[:, :, k] * s + cr[:, :, k]
        p = p * fr[:, :, k]
        ss.append(s)
        ps.append(p)
    S, P = torch.stack(ss, 2), torch.stack(ps, 2)
    carry, out = s0, []
    for j in range(t // chunk):
        o = S[:, j] + P[:, j] * carry.unsqueeze(1)
        out.append(o)
        carry = o[:, -1]
    return torch.cat(out, 1)[:, :n]


def scan_loop(f, c, s0):
    """The same recurrence one step at a time (the plain reading, for checking and timing)."""
    s, out = s0, []
    for t in range(f.shape[1]):
        s = f[:, t] * s + c[:, t]
        out.append(s)
    return torch.stack(out, 1)


class Layer(torch.nn.Module):
    def __init__(self, d, inter):
        super().__init__()
        self.inter = inter
        self.attn_norm = torch.nn.Parameter(torch.ones(d))
        self.i_proj, self.f_proj = BitLinear(d, d), BitLinear(d, d)
        self.g_proj, self.o_proj = BitLinear(d, d), BitLinear(d, d)
        self.g_norm = torch.nn.Parameter(torch.ones(d))
        self.mlp_norm = torch.nn.Parameter(torch.ones(d))
        self.gate_proj = BitLinear(d, 2 * inter)
        self.down_proj = BitLinear(inter, d)

    def forward(self, x, lb, s0, quant):
        h = rmsnorm(x, self.attn_norm)
        i = self.i_proj(h, quant)
        f = torch.sigmoid(self.f_proj(h, quant))
        g = self.g_proj(h, quant)
        if lb is not None:
            f = lb + (1 - lb) * f                          # lower-bound forget gate
        c = F.silu(i) * (1 - f)
        s = scan(f, c, s0)                                 # s_t = f_t s_{t-1} + c_t
        o = rmsnorm(g, self.g_norm) * F.silu(s)
        x = x + self.o_proj(o, quant)
        h2 = rmsnorm(x, self.mlp_norm)
        ab = self.gate_proj(h2, quant)
        a, b = ab[..., :self.inter], ab[..., self.inter:]  # one tensor: a first I rows, b last I
        x = x + self.down_proj(F.silu(a) * b, quant)
        return x, s[:, -1]


class HGRNBit(torch.nn.Module):
    def __init__(self, d, layers, inter, vocab=VOCAB):
        super().__init__()
        self.d, self.n_layers, self.inter, self.vocab = d, layers, inter, vocab
        self.embeddings = torch.nn.Parameter(torch.randn(vocab, d) * 0.02)
        self.lower_bounds = torch.nn.Parameter(torch.zeros(layers, d))
        self.layers = torch.nn.ModuleList(Layer(d, inter) for _ in range(layers))
        self.norm = torch.nn.Parameter(torch.ones(d))
        self.lm_head = BitLinear(d, vocab)

    def forward(self, ids, quant=True, state=None):
        """ids (batch, time) -> logits (batch, time, vocab), the state after the last token."""
        x = self.embeddings[ids]
        lb = torch.softmax(self.lower_bounds, 0)
        lb = torch.cumsum(lb, 0) - lb[0]                   # lb[0] = 0: layer 0 has no lower bound
        if state is None:
            state = [torch.zeros(ids.shape[0], self.d, dtype=x.dtype) for _ in self.layers]
        new = []
        for l, layer in enumerate(self.layers):
            x, s = layer(x, lb[l] if l > 0 else None, state[l], quant)
            new.append(s)
        return self.lm_head(rmsnorm(x, self.norm), quant), new

    # ---- the Hugging Face layout (docs/model.md's tensor table) --------------------------------

    def hub_tensors(self):
        t = {"model.embeddings.weight": self.embeddings, "model.lower_bounds": self.lower_bounds,
             "model.norm.weight": self.norm, "lm_head.weight": self.lm_head.weight,
             "lm_head.norm.weight": self.lm_head.norm}
        for l, y in enumerate(self.layers):
            p = "model.layers.%d." % l
            t[p + "attn_norm.weight"] = y.attn_norm
            t[p + "mlp_norm.weight"] = y.mlp_norm
            t[p + "attn.g_norm.weight"] = y.g_norm
            for n in "ifgo":
                lin = getattr(y, n + "_proj")
                t[p + "attn.%s_proj.weight" % n] = lin.weight
                t[p + "attn.%s_proj.norm.weight" % n] = lin.norm
            for n in ("gate_proj", "down_proj"):
                t[p + "mlp.%s.weight" % n] = getattr(y, n).weight
                t[p + "mlp.%s.norm.weight" % n] = getattr(y, n).norm
        return t

    def config(self):
        return {"architectures": ["HGRNBitForCausalLM"], "attn_mode": "fused_recurrent",
                "bos_token_id": 1, "conv_size": 4, "eos_token_id": 2, "expand_ratio": 1,
                "hidden_act": "swish", "hidden_ratio": 4, "hidden_size": self.d,
                "intermediate_size": self.inter, "max_position_embeddings": 2048,
                "model_type": "hgrn_bit", "num_heads": 1, "num_hidden_layers": self.n_layers,
                "rms_norm_eps": 1e-06, "share_conv_kernel": True, "tie_word_embeddings": False,
                "torch_dtype": "bfloat16", "use_lower_bound": True, "use_short_conv": False,
                "vocab_size": self.vocab}


def bf16_bits(t):
    """The bf16 bytes of a float tensor, rounded to nearest even (what tensor.to(bfloat16) does)."""
    return t.detach().to(torch.float32).contiguous().to(torch.bfloat16).view(torch.int16).numpy().tobytes()


def save_hf(model, out_dir):
    """config.json and model.safetensors (bf16 latent weights): 8-byte little-endian header length,
    a compact JSON header (__metadata__ first, tensors in name order), the data without gaps, the
    header padded with spaces to a multiple of 8."""
    import os
    os.makedirs(out_dir, exist_ok=True)
    tensors = model.hub_tensors()
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        b = bf16_bits(tensors[name])
        header[name] = {"dtype": "BF16", "shape": list(tensors[name].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(os.path.join(out_dir, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(model.config(), f, indent=2, sort_keys=True)
        f.write("\n")


def load_hf(model_dir, dtype=torch.float32):
    """A model from config.json and a one-file model.safetensors in BF16 (what save_hf writes)."""
    import os
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    d, layers = cfg["hidden_size"], cfg["num_hidden_layers"]
    inter = cfg.get("intermediate_size") or 256 * math.ceil(int(d * cfg.get("hidden_ratio", 4) * 2 / 3) / 256)
    m = HGRNBit(d, layers, inter, cfg["vocab_size"])
    with open(os.path.join(model_dir, "model.safetensors"), "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    tensors = m.hub_tensors()
    with torch.no_grad():
        for name, p in tensors.items():
            e = header[name]
            if e["dtype"] != "BF16":
                raise ValueError("%s: dtype %s, expected BF16" % (name, e["dtype"]))
            a, b = e["data_offsets"]
            v = torch.frombuffer(bytearray(raw[base + a:base + b]), dtype=torch.int16).view(torch.bfloat16)
            p.copy_(v.to(torch.float32).reshape(e["shape"]))
    return m.to(dtype)
