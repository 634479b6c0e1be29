#!/usr/bin/env python3
"""make_seeds.py: write the fuzzers' seed corpora under tests/fuzz/corpus/<target>/ (committed; run
again only to change them). Each file is a small valid input in the layout the MMfreeLM checkpoints
use, so that mutations reach the parsers' deeper checks."""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SP = "\u2581"


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def tokenizer(merges, extra, pairs=False, metaspace=False, byte_tokens=256):
    """A Mistral-shaped tokenizer.json: <unk> <s> </s>, byte tokens, merged pieces, characters."""
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(byte_tokens):
        vocab["<0x%02X>" % b] = len(vocab)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    for c in extra:
        vocab.setdefault(c, len(vocab))
    added = [{"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, c in enumerate(["<unk>", "<s>", "</s>"])]
    meta = {"type": "Metaspace", "replacement": SP, "prepend_scheme": "first", "split": True}
    doc = {
        "version": "1.0",
        "added_tokens": added,
        "normalizer": None if metaspace else {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": SP},
            {"type": "Replace", "pattern": {"String": " "}, "content": SP}]},
        "pre_tokenizer": meta if metaspace else None,
        "decoder": meta if metaspace else {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": SP}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>",
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": True, "byte_fallback": True, "vocab": vocab,
                  "merges": [[a, b] if pairs else a + " " + b for a, b in merges]},
    }
    return json.dumps(doc, ensure_ascii=False)


MERGES = [(SP, "t"), ("h", "e"), (SP + "t", "he"), ("i", "n"), ("in", "g"), (SP, "a"),
          ("a", "t"), (SP, "c"), (SP + "c", "at"), (SP, SP), ("e", "r"), ("r", "e")]
CHARS = [SP, "e", "t", "a", "h", "i", "n", "g", "c", "r", "s", "o", "\u00e9"]

write("tok", "mistral_like.json", tokenizer(MERGES, CHARS))
write("tok", "pair_merges.json", tokenizer(MERGES, CHARS, pairs=True))
write("tok", "metaspace.json", tokenizer(MERGES[:6], CHARS, metaspace=True))
write("tok", "few_bytes.json", tokenizer(MERGES[:3], CHARS, byte_tokens=0))


def safetensors(tensors, metadata=None, pad=True):
    """tensors: (name, dtype, shape, data bytes); the header as the safetensors library writes it."""
    header, blobs, off = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def bf16(values):
    return b"".join(struct.pack("<f", v)[2:] for v in values)


def f16(values):
    return b"".join(struct.pack("<e", v) for v in values)


def f32(values):
    return b"".join(struct.pack("<f", v) for v in values)


write("safetensors", "two_bf16.safetensors", safetensors([
    ("model.embeddings.weight", "BF16", [3, 2], bf16([1.0, -2.0, 0.5, 0.0, 3.0, -0.25])),
    ("model.norm.weight", "BF16", [2], bf16([1.0, 1.0]))], {"format": "pt"}))
write("safetensors", "mixed.safetensors", safetensors([
    ("a.weight", "F16", [2, 2], f16([1.0, 6.1e-5, -0.0, 65504.0])),
    ("b.weight", "F32", [3], f32([1e-40, -1.5, 2.0])),
    ("c.scalar", "BF16", [], bf16([7.0]))]))
write("safetensors", "empty_tensor.safetensors", safetensors([
    ("model.layers.0.attn.i_proj.weight", "BF16", [0, 4], b""),
    ("model.lower_bounds", "BF16", [1, 2], bf16([0.1, 0.2]))], pad=False))
write("safetensors", "header_only.safetensors", safetensors([], {"format": "pt"}))

write("config", "mmfreelm_370m.json", json.dumps({
    "architectures": ["HGRNBitForCausalLM"], "attn_mode": "fused_recurrent", "bos_token_id": 1,
    "conv_size": 4, "eos_token_id": 2, "expand_ratio": 1, "fuse_cross_entropy": True,
    "hidden_act": "swish", "hidden_ratio": 4, "hidden_size": 1024, "initializer_range": 0.02,
    "intermediate_size": None, "max_position_embeddings": 2048, "model_type": "hgrn_bit",
    "num_heads": 1, "num_hidden_layers": 24, "rms_norm_eps": 1e-06, "share_conv_kernel": True,
    "tie_word_embeddings": False, "torch_dtype": "bfloat16", "transformers_version": "4.40.1",
    "use_cache": True, "use_lower_bound": True, "use_short_conv": False, "vocab_size": 32000},
    indent=2))
write("config", "minimal.json", json.dumps({"hidden_size": 64, "num_hidden_layers": 2,
                                            "vocab_size": 300, "model_type": "hgrn_bit"}))
write("config", "explicit.json", json.dumps({
    "model_type": "hgrn_bit", "hidden_size": 2560, "num_hidden_layers": 32, "vocab_size": 32000,
    "intermediate_size": 6912, "rms_norm_eps": 1e-6, "bos_token_id": 1, "eos_token_id": 2,
    "tie_word_embeddings": False, "use_lower_bound": True, "hidden_ratio": 4, "num_heads": 1}))
