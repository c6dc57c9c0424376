#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpora of tests/fuzz/corpus (committed; rerun only to refresh them).

Seeds are small, valid inputs of each format, so that the fuzzer starts from the structure real
files have: hand-built safetensors files, the configs and job specs ComputeLens ships, tokenizer
test texts from ../shared/fixtures, and lines of MATH-500 (../shared/data/math, MIT licence).
"""
import json, struct, sys
from pathlib import Path

here = Path(__file__).resolve().parent
repo = here.parent.parent
shared = Path(sys.argv[1]) if len(sys.argv) > 1 else repo.parent / "shared"
corpus = here / "corpus"


def put(target, name, data):
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def safetensors(tensors, metadata=None):
    header, blob = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + blob


put("safetensors", "f32.safetensors", safetensors([("w", "F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4))]))
put("safetensors", "mixed.safetensors", safetensors(
    [("a.bf16", "BF16", [2], b"\x80\x3f\x00\xc0"), ("b.i64", "I64", [1], struct.pack("<q", -1)),
     ("c.u8", "U8", [3], b"\x00\xff\x07"), ("d.empty", "F16", [0, 4], b"")], {"format": "pt"}))
put("safetensors", "scalar.safetensors", safetensors([("s", "F64", [], struct.pack("<d", 2.5))]))

for name, cfg in [("tiny-llama", shared / "fixtures/hf-tiny/tiny-llama/config.json"),
                  ("tiny-qwen2", shared / "fixtures/hf-tiny/tiny-qwen2/config.json"),
                  ("arith-duo-small", repo / "resources/models/arith-duo-small/config.json"),
                  ("arith-prm", repo / "resources/models/arith-prm/config.json")]:
    put("config", name + ".json", cfg.read_bytes())

for name, tok in [("llama3", "tok-llama"), ("qwen2", "tok-qwen2"), ("gpt2", "tok-gpt2")]:
    # fuzz_tokenizer_encode loads these three by name.
    put("tokenizer_json", name + ".json", (shared / "fixtures/hf-tiny" / tok / "tokenizer.json").read_bytes())

cases = json.loads((shared / "fixtures/hf-tiny/tokenizer_cases.json").read_text())
texts = sorted({c["text"] for cs in cases.values() for c in cs})
for i, t in enumerate(texts):
    put("tokenizer_encode", f"case{i:02d}.txt", t)

lines = (shared / "data/math/test.jsonl").read_text().splitlines()
put("math_jsonl", "math500-head.jsonl", "\n".join(lines[:3]) + "\n")
put("math_jsonl", "level-int.jsonl", '{"problem": "1+1?", "answer": 2, "level": 3, "subject": "Algebra"}\n')
put("math_jsonl", "crlf-blank.jsonl", '{"problem": "p", "solution": "so \\\\boxed{\\\\frac{1}{2}}", "type": "Geometry", "level": "Level 5"}\r\n\r\n')
for i, line in enumerate(lines[:12]):
    p = json.loads(line)
    put("answer", f"math500-{i:02d}.txt", p["solution"] + "\0" + p["answer"])
put("answer", "final-answer.txt", "Final Answer: The final answer is $\\dfrac{3}{4}$. I hope it is correct.\0 0.75")
put("answer", "units.txt", "The answer is 1,000 \\text{ cm}^2\0" + "1000")

for spec in sorted((repo / "resources/jobs").glob("*.json")):
    put("spec", spec.name, spec.read_bytes())
for spec in sorted((repo / "resources/models").glob("*.train.json")):
    put("spec", spec.name, spec.read_bytes())
put("spec", "oracle.json", json.dumps({"kind": "oracle", "model": "m", "dataset": {"path": "builtin:arith", "count": 4},
                                      "budgets": ["0.5", "0.75"], "sequences": 2}))
put("spec", "search.json", json.dumps({"kind": "search", "model": "m", "verifier": {"model": "p"},
                                      "dataset": {"path": "builtin:arith", "count": 2}, "strategy": "beam",
                                      "beam": {"n": 4, "width": 2}}))
