#!/usr/bin/env python3
"""train.py: train, export and measure the MatMul-free LM of docs/model.md on the King James Bible.

    train.py prep   --out DIR                      # DIR/train.txt, DIR/heldout.txt from `bible`
    train.py train  --data DIR --out MODEL [--hidden 104 --layers 3 --intermediate 208 --steps N
                    --minutes M --batch 32 --seq 256 --lr 3e-3 --seed 1 --quant Q --log FILE]
    train.py eval   --model MODEL --text FILE [--max-bytes N] [--quant Q]  # bits per byte, float and Q
    train.py logits --model MODEL --ids 1,5,9 --out FILE.f32 [--float] [--quant Q]  # forward, float64
    train.py sample --model MODEL --prompt TEXT [--max-new N] [--quant Q]   # greedy, quantised

--quant is the weight quantiser of the forward pass: ternary (the default; the tac and lut engines),
pow2 (signed powers of two, the sac engine's set) or none (the float model; --float is the same).

Data: `bible -f "Gen1:1-Rev22:21"` (Debian's bible-kjv), the verse references stripped, one verse per
line. Chapters are numbered 0..1188 in canon order; every 20th (number % 20 == 19) is held out, the
rest is the training text. A training sequence is <s> followed by --seq bytes starting at a random
verse; the loss is the next-byte cross-entropy at every position. AdamW, linear warm-up then cosine
decay (to a tenth of --lr) over --steps or over --minutes of wall time, whichever runs out first (on
a slower or busier machine the decay follows the clock and the run ends at the budget). The checkpoint MODEL/train.pt
is written every --ckpt-every steps and at the end, and MODEL gets config.json + model.safetensors.
Python: Debian's /usr/bin/python3 with python3-torch; nothing else.
"""
import argparse
import math
import os
import random
import re
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hgrn  # noqa: E402

HOLDOUT_EVERY = 20
QUANTS = ("ternary", "pow2", "none")
REF = re.compile(rb"^(\S+?)(\d+):(\d+) (.*)$")


def prep(out):
    raw = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], check=True, stdout=subprocess.PIPE).stdout
    train, held, chapter, last = [], [], -1, None
    for line in raw.splitlines():
        m = REF.match(line)
        if not m:
            raise SystemExit("prep: a line without a verse reference: %r" % line[:60])
        key = (m.group(1), m.group(2))
        if key != last:
            chapter, last = chapter + 1, key
        (held if chapter % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 else train).append(m.group(4))
    if chapter + 1 != 1189:
        raise SystemExit("prep: %d chapters, expected 1189" % (chapter + 1))
    os.makedirs(out, exist_ok=True)
    for name, lines in (("train.txt", train), ("heldout.txt", held)):
        with open(os.path.join(out, name), "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
    print("prep: %d chapters, %d held out (every %dth); train %d bytes, heldout %d bytes"
          % (chapter + 1, sum(1 for c in range(chapter + 1) if c % HOLDOUT_EVERY == HOLDOUT_EVERY - 1),
             HOLDOUT_EVERY, sum(len(x) + 1 for x in train), sum(len(x) + 1 for x in held)))


def bits_per_byte(model, data, quant, seg=4096):
    """Teacher-forced cross-entropy of <s> + data in bits per byte, the state carried over segments."""
    ids = torch.tensor(hgrn.encode(data))
    state, nats = None, 0.0
    with torch.no_grad():
        for a in range(0, len(ids) - 1, seg):
            x, y = ids[a:a + seg][None], ids[a + 1:a + 1 + seg]
            x = x[:, :len(y)]
            logits, state = model(x, quant, state)
            nats += F.cross_entropy(logits[0].double(), y, reduction="sum").item()
    return nats / (len(ids) - 1) / math.log(2)


def batch_of(text, starts, batch, seq, rng):
    rows = []
    for _ in range(batch):
        p = starts[rng.randrange(len(starts))]
        rows.append(hgrn.encode(text[p:p + seq]))
    return torch.tensor(rows)


def train(a):
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    with open(os.path.join(a.data, "train.txt"), "rb") as f:
        text = f.read()
    with open(os.path.join(a.data, "heldout.txt"), "rb") as f:
        held = f.read()[:a.eval_bytes]
    starts = [0] + [i + 1 for i, b in enumerate(text) if b == 10 and i + 1 + a.seq <= len(text)]
    model = hgrn.HGRNBit(a.hidden, a.layers, a.intermediate)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and n != "lower_bounds"]
    other = [p for n, p in model.named_parameters() if not (p.dim() == 2 and n != "lower_bounds")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.wd}, {"params": other, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95))
    os.makedirs(a.out, exist_ok=True)
    log = open(a.log or os.path.join(a.out, "train.log"), "w")  # one run per log: card.sh reads it whole
    say = lambda s: (print(s, flush=True), log.write(s + "\n"), log.flush())
    quant = "none" if a.float else a.quant
    qname = "float" if quant == "none" else "quantised" if quant == "ternary" else "quantised " + quant
    say("train: d %d L %d I %d params %d, batch %d x %d, lr %g, wd %g, steps %d, minutes %g, seed %d, %s, "
        "torch %s threads %d" % (a.hidden, a.layers, a.intermediate, sum(p.numel() for p in model.parameters()),
                                 a.batch, a.seq, a.lr, a.wd, a.steps, a.minutes, a.seed,
                                 qname, torch.__version__, torch.get_num_threads()))
    t0, step = time.time(), 0
    while step < a.steps:
        # the schedule's position: by steps, or by time when the budget would end the run first
        frac = max(step / a.steps, (time.time() - t0) / (60 * a.minutes) if a.minutes else 0.0)
        lr = a.lr * min(1.0, (step + 1) / a.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        x = batch_of(text, starts, a.batch, a.seq, rng)
        logits, _ = model(x[:, :-1], quant)
        loss = F.cross_entropy(logits.reshape(-1, model.vocab), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        el = time.time() - t0
        if step % a.log_every == 0 or step == a.steps:
            say("step %d loss %.4f bpb %.4f lr %.2e elapsed %.1f" % (step, loss.item(), loss.item() / math.log(2), lr, el))
        if step % a.eval_every == 0 or step == a.steps:
            model.eval()
            say("eval %d heldout_bpb %.4f (first %d bytes, %s) elapsed %.1f"
                % (step, bits_per_byte(model, held, quant), len(held), qname, el))
            model.train()
        if step % a.ckpt_every == 0:
            torch.save({"model": model.state_dict(), "step": step, "args": vars(a)}, os.path.join(a.out, "train.pt"))
        if frac >= 1.0 and step < a.steps:
            say("train: stopped at the time budget, step %d of %d" % (step, a.steps))
            break
    torch.save({"model": model.state_dict(), "step": step, "args": vars(a)}, os.path.join(a.out, "train.pt"))
    hgrn.save_hf(model, a.out)
    say("train: %d steps in %.1f s (%.3f s/step); wrote %s" % (step, time.time() - t0, (time.time() - t0) / step, a.out))


def export(a):
    """MODEL/train.pt (a checkpoint, possibly of a run that was stopped) -> config.json + model.safetensors."""
    ck = torch.load(os.path.join(a.model, "train.pt"))
    ar = ck["args"]
    m = hgrn.HGRNBit(ar["hidden"], ar["layers"], ar["intermediate"])
    print("export: trained with --quant %s" % ("none" if ar.get("float") else ar.get("quant", "ternary")))
    m.load_state_dict(ck["model"])
    hgrn.save_hf(m, a.out or a.model)
    print("export: step %d -> %s" % (ck["step"], a.out or a.model))


def evaluate(a):
    with open(a.text, "rb") as f:
        data = f.read()
    if a.max_bytes:
        data = data[:a.max_bytes]
    m = hgrn.load_hf(a.model).eval()
    for quant in ("none", a.quant):
        t = time.time()
        print("%s: %.4f bits per byte over %d bytes (%.1f s)" % ("float" if quant == "none" else "quantised",
              bits_per_byte(m, data, quant), len(data), time.time() - t))


def logits(a):
    m = hgrn.load_hf(a.model, torch.float64).eval()
    ids = torch.tensor([[int(x) for x in a.ids.split(",")]])
    with torch.no_grad():
        out, _ = m(ids, "none" if a.float else a.quant)
    out[0].to(torch.float32).numpy().astype("<f4").tofile(a.out)


def sample(a):
    m = hgrn.load_hf(a.model).eval()
    ids = hgrn.encode(a.prompt.encode())
    with torch.no_grad():
        out, state = m(torch.tensor([ids]), a.quant)
        for _ in range(a.max_new):
            nxt = int(out[0, -1].argmax())
            if nxt < 3:
                break
            ids.append(nxt)
            out, state = m(torch.tensor([[nxt]]), a.quant, state)
    sys.stdout.write(bytes(i - 3 for i in ids[1:]).decode("latin-1") + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prep")
    p.add_argument("--out", required=True)
    p = sub.add_parser("train")
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--hidden", type=int, default=104)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--intermediate", type=int, default=208)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--minutes", type=float, default=0)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=256)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--wd", type=float, default=0.01)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--float", action="store_true", help="train the float model (the same as --quant none)")
    p.add_argument("--log")
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--eval-bytes", type=int, default=16384)
    p.add_argument("--ckpt-every", type=int, default=100)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quant", choices=QUANTS, default="ternary", help="the weight quantiser trained through")
    p = sub.add_parser("export")
    p.add_argument("--model", required=True)
    p.add_argument("--out")
    p = sub.add_parser("eval")
    p.add_argument("--model", required=True)
    p.add_argument("--text", required=True)
    p.add_argument("--max-bytes", type=int, default=0)
    p.add_argument("--quant", choices=QUANTS[:2], default="ternary", help="the quantised row's weights")
    p = sub.add_parser("logits")
    p.add_argument("--model", required=True)
    p.add_argument("--ids", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--float", action="store_true", help="the float forward (latent weights, no quantisation)")
    p.add_argument("--quant", choices=QUANTS, default="ternary")
    p = sub.add_parser("sample")
    p.add_argument("--model", required=True)
    p.add_argument("--prompt", required=True)
    p.add_argument("--max-new", type=int, default=200)
    p.add_argument("--quant", choices=QUANTS, default="ternary")
    a = ap.parse_args()
    torch.set_num_threads(getattr(a, "threads", 1))
    {"prep": lambda: prep(a.out), "train": lambda: train(a), "export": lambda: export(a),
     "eval": lambda: evaluate(a), "logits": lambda: logits(a), "sample": lambda: sample(a)}[a.cmd]()


if __name__ == "__main__":
    main()
