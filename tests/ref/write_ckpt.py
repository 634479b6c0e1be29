#!/usr/bin/python3
"""write_ckpt.py: write a random MatMul-free LM checkpoint in the Hugging Face layout (test helper).

    /usr/bin/python3 tests/ref/write_ckpt.py --out DIR --hidden D --layers L --vocab V
        [--intermediate I] [--hidden-ratio R] [--shards N] [--dtype bf16|f16|f32] [--seed S]

Writes DIR/config.json and either DIR/model.safetensors (one shard) or N files
model-0000k-of-0000N.safetensors with model.safetensors.index.json, every tensor named and shaped as
in docs/model.md's table, all of one dtype. It exists so that the float64 reference (mmf_ref.py) can
be developed and tested before `mmfree mkmodel`, and as a second, independent writer to check the C
loader against: it shares no code with host/.

safetensors form (as the Rust `safetensors` crate writes it): 8 bytes little-endian header length n,
then n bytes of compact JSON padded with spaces to a multiple of 8, then the tensor data. The header
holds "__metadata__": {"format": "pt"} first, then one entry per tensor in name order, {"dtype",
"shape", "data_offsets": [begin, end]} with offsets relative to the end of the header; the data is laid
out in the same order, without gaps. The index is {"metadata": {"total_size": data bytes},
"weight_map": {tensor: file}}; tensors go to shards in model order (embeddings, layers, norm,
lm_head), cut where the running byte count passes k/N of the total.

Random weights: projections N(0, 0.02) (the models' initializer_range), embeddings N(0, 1), norm
weights 1 + N(0, 0.3), lower_bounds N(0, 1). A seed gives the same files byte for byte.
"""
import argparse
import json
import os
import sys

import numpy as np

ST_DTYPE = {"bf16": "BF16", "f16": "F16", "f32": "F32"}
TORCH_DTYPE = {"bf16": "bfloat16", "f16": "float16", "f32": "float32"}


def default_intermediate(d, hidden_ratio):
    """intermediate_size when config.json has null: a multiple of 256 at or above int(d*r*2/3)."""
    i = int(d * hidden_ratio * 2 / 3)
    return 256 * ((i + 255) // 256)


def tensor_specs(d, n_layers, vocab, inter):
    """(name, shape, kind) of every tensor, in model order; kind picks the random distribution."""
    specs = [("model.embeddings.weight", (vocab, d), "emb"),
             ("model.lower_bounds", (n_layers, d), "lb")]
    for l in range(n_layers):
        p = "model.layers.%d." % l
        specs.append((p + "attn_norm.weight", (d,), "norm"))
        for proj in ("i", "f", "g"):
            specs.append((p + "attn.%s_proj.weight" % proj, (d, d), "proj"))
            specs.append((p + "attn.%s_proj.norm.weight" % proj, (d,), "norm"))
        specs.append((p + "attn.g_norm.weight", (d,), "norm"))
        specs.append((p + "attn.o_proj.weight", (d, d), "proj"))
        specs.append((p + "attn.o_proj.norm.weight", (d,), "norm"))
        specs.append((p + "mlp_norm.weight", (d,), "norm"))
        specs.append((p + "mlp.gate_proj.weight", (2 * inter, d), "proj"))
        specs.append((p + "mlp.gate_proj.norm.weight", (d,), "norm"))
        specs.append((p + "mlp.down_proj.weight", (d, inter), "proj"))
        specs.append((p + "mlp.down_proj.norm.weight", (inter,), "norm"))
    specs += [("model.norm.weight", (d,), "norm"),
              ("lm_head.norm.weight", (d,), "norm"),
              ("lm_head.weight", (vocab, d), "proj")]
    return specs


def random_tensor(rng, shape, kind):
    """float32 values for one tensor."""
    if kind == "proj":
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(2 / np.sqrt(shape[1]))
    if kind == "norm":
        return np.float32(1) + rng.standard_normal(shape, dtype=np.float32) * np.float32(0.3)
    return rng.standard_normal(shape, dtype=np.float32)          # emb, lb


def encode(a, dtype):
    """float32 array -> little-endian bytes of dtype. BF16: round to nearest, ties to even (finite
    values only, which is all this writer makes)."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    if dtype == "f32":
        return a.astype("<f4").tobytes()
    if dtype == "f16":
        return a.astype("<f2").tobytes()
    u = a.view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype("<u2").tobytes()


def write_safetensors(path, tensors, dtype):
    """tensors: list of (name, shape, bytes). Header as the safetensors crate writes it."""
    tensors = sorted(tensors, key=lambda t: t[0])
    header = {"__metadata__": {"format": "pt"}}
    off = 0
    for name, shape, data in tensors:
        header[name] = {"dtype": ST_DTYPE[dtype], "shape": list(shape),
                        "data_offsets": [off, off + len(data)]}
        off += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(len(h).to_bytes(8, "little"))
        f.write(h)
        for _, _, data in tensors:
            f.write(data)
    os.replace(tmp, path)


def config_json(d, n_layers, vocab, inter, hidden_ratio, dtype):
    return {
        "architectures": ["HGRNBitForCausalLM"],
        "attn_mode": "fused_recurrent",
        "bos_token_id": 1,
        "conv_size": 4,
        "eos_token_id": 2,
        "expand_ratio": 1,
        "hidden_act": "swish",
        "hidden_ratio": hidden_ratio,
        "hidden_size": d,
        "initializer_range": 0.02,
        "intermediate_size": inter,
        "max_position_embeddings": 2048,
        "model_type": "hgrn_bit",
        "num_heads": 1,
        "num_hidden_layers": n_layers,
        "rms_norm_eps": 1e-06,
        "share_conv_kernel": True,
        "tie_word_embeddings": False,
        "torch_dtype": TORCH_DTYPE[dtype],
        "use_cache": True,
        "use_lower_bound": True,
        "use_short_conv": False,
        "vocab_size": vocab,
    }


def write_checkpoint(out, d, n_layers, vocab, inter=None, hidden_ratio=4, shards=1, dtype="bf16",
                     seed=1):
    """Write the checkpoint; inter None writes intermediate_size null (the default applies)."""
    real_inter = inter if inter is not None else default_intermediate(d, hidden_ratio)
    specs = tensor_specs(d, n_layers, vocab, real_inter)
    if shards < 1 or shards > len(specs):
        raise ValueError("shards must be 1..%d, got %d" % (len(specs), shards))
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    esize = 4 if dtype == "f32" else 2
    sizes = [int(np.prod(shape)) * esize for _, shape, _ in specs]
    total = sum(sizes)
    # shard k (0-based) takes tensors while the running total is below (k+1)/N of the whole, and at
    # least one tensor; the last shard takes the rest
    groups, cur, run = [], [], 0
    for i, (spec, size) in enumerate(zip(specs, sizes)):
        left_specs = len(specs) - i
        left_shards = shards - len(groups)
        if cur and (run >= total * (len(groups) + 1) / shards or left_specs < left_shards):
            groups.append(cur)
            cur = []
        cur.append(spec)
        run += size
    groups.append(cur)
    assert len(groups) == shards, (len(groups), shards)

    weight_map = {}
    for k, group in enumerate(groups):
        fname = "model.safetensors" if shards == 1 else \
            "model-%05d-of-%05d.safetensors" % (k + 1, shards)
        tensors = []
        for name, shape, kind in group:
            tensors.append((name, shape, encode(random_tensor(rng, shape, kind), dtype)))
            weight_map[name] = fname
        write_safetensors(os.path.join(out, fname), tensors, dtype)
    if shards > 1:
        index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
        with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
            json.dump(index, f, indent=2)
            f.write("\n")
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config_json(d, n_layers, vocab, inter, hidden_ratio, dtype), f, indent=2)
        f.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write a random MatMul-free LM checkpoint (HF layout).")
    ap.add_argument("--out", required=True, help="folder to write (created if missing)")
    ap.add_argument("--hidden", type=int, required=True, help="hidden_size d")
    ap.add_argument("--layers", type=int, required=True, help="num_hidden_layers L")
    ap.add_argument("--vocab", type=int, required=True, help="vocab_size V")
    ap.add_argument("--intermediate", type=int, default=None,
                    help="intermediate_size I (default: null in config.json)")
    ap.add_argument("--hidden-ratio", type=int, default=4, help="hidden_ratio (4)")
    ap.add_argument("--shards", type=int, default=1, help="safetensors files (1)")
    ap.add_argument("--dtype", choices=sorted(ST_DTYPE), default="bf16", help="tensor dtype (bf16)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (1)")
    a = ap.parse_args(argv)
    for name in ("hidden", "layers", "vocab", "shards", "hidden_ratio"):
        if getattr(a, name) < 1:
            ap.error("--%s must be positive" % name.replace("_", "-"))
    if a.intermediate is not None and a.intermediate < 1:
        ap.error("--intermediate must be positive")
    try:
        write_checkpoint(a.out, a.hidden, a.layers, a.vocab, a.intermediate, a.hidden_ratio,
                         a.shards, a.dtype, a.seed)
    except (OSError, ValueError) as e:
        print("write_ckpt: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
