#!/usr/bin/env python3
"""Independent attention reference fixtures for kernelhub's Java tests.

What this is
    Attention computed with NumPy in float64, written from the contract in docs/ATTENTION.md
    (FlashAttention's semantics) and NOT from the Java code, so that `eager` and `sdpa` are
    checked against numbers made outside the project (EagerReferenceFixturesTest).

How the committed fixtures were made
    interpreter: CPython 3.11.7 (pyenv), numpy 2.4.6
    command, from the repository root:
        python3 scripts/reference-fixtures/make_fixtures.py
    It rewrites java/core/src/test/resources/reference-fixtures/ completely. Nothing else is
    needed (no network, no other package). CI never runs it: the fixtures are committed.
    After regenerating, run EagerReferenceFixturesTest and commit the whole folder; the
    numpy Generator (PCG64) stream is only promised stable per numpy version, so another
    numpy may draw other inputs (the tests still pass; the files change).

What it writes, per case (one folder per case and dtype, e.g. causal-q-lt-k-bf16/)
    q.npy, k.npy, v.npy  <f4, the inputs in the API layout (BSHD, or packed [tokens, heads, d]
                         for varlen). For f16/bf16 the values are already rounded to the dtype
                         (f16: numpy's nearest-even float16 cast; bf16: nearest-even on the f32
                         bits), so they are exact in a f32 container.
    out.npy              <f8, the output (shape of q), f64 math on the rounded inputs.
    lse.npy              <f8, natural-log LSE, [batch, heads_q, seq_q] (varlen [heads_q, total_q]);
                         -inf on a row that sees no key (its output row is zeros).
    ranges.npy           <i4 [rows, 4]: (sequence, row, first, end), the keys [first, end) that
                         query row `row` of the sequence sees; (0, 0) when it sees none. Found by
                         testing every key against the mask predicate, not by a formula.
    out_shifted.npy, lse_shifted.npy (only cases with `shifted` != -): the same attention with
                         one mask edge moved by one key (`end`: the upper edge admits one more
                         key, `first`: the lower edge one more key), clipped to the keys that
                         physically exist. The tests prove their bounds fail on these.
    index.txt            one line per case: its parameters as key=value.
    SHA256SUMS           `sha256sum -c` format over every other file, so a hand-edited fixture
                         is noticed (the Java test checks it).

Semantics implemented (docs/ATTENTION.md)
    q [batch, seq_q, heads_q, d], k/v [batch, seq_k, heads_kv, d]; query head h reads kv head
    h // (heads_q // heads_kv). Padding: per-sequence key lengths seqlens_k. Varlen: prefix sums
    cu_seqlens_q/k into packed tensors. For a sequence with sq queries and sk keys,
    shift = sk - sq, query i sees key j when 0 <= j < sk and
    causal: j <= i + shift; window (left, right), -1 unlimited: i+shift-left <= j <= i+shift+right.
    scores = scale * q.k (scale default 1/sqrt(d)); softcap > 0: softcap * tanh(score / softcap);
    softmax over the visible keys; LSE = log(sum(exp(score))) computed stably.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pathlib
import shutil
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "java/core/src/test/resources/reference-fixtures"
DTYPES = ("f32", "f16", "bf16")
# Padded keys and unused packed tokens hold this value: a kernel that reads one shows up loudly.
PAD_VALUE = 4.0
# A shifted fixture must differ from the correct one by at least this much somewhere, so that
# it can serve as a negative case for any bound below it (the Java bounds are far below).
MIN_SHIFT_EFFECT = 0.1


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    seed: int
    heads_q: int
    heads_kv: int
    head_dim: int
    # fixed/padded layout: seq_q, seq_k are the tensor dims; varlen: per-sequence lengths below
    batch: int = 1
    seq_q: int = 0
    seq_k: int = 0
    causal: bool = False
    left: int = -1
    right: int = -1
    softcap: float = 0.0
    scale: float | None = None
    seqlens_k: tuple[int, ...] | None = None
    varlen_q: tuple[int, ...] | None = None
    varlen_k: tuple[int, ...] | None = None
    unused_k: int = 0  # varlen: packed key tokens after the last sequence
    shifted: str | None = None  # "end" | "first": which mask edge the negative variant moves

    @property
    def layout(self) -> str:
        if self.varlen_q is not None:
            return "varlen"
        return "padded" if self.seqlens_k is not None else "fixed"


CASES = (
    Case("full", seed=11, batch=2, seq_q=7, seq_k=9, heads_q=2, heads_kv=2, head_dim=16),
    Case("causal-q-lt-k", seed=12, batch=2, seq_q=5, seq_k=11, heads_q=2, heads_kv=2, head_dim=16,
         causal=True, shifted="end"),
    Case("causal-q-gt-k", seed=13, seq_q=9, seq_k=4, heads_q=3, heads_kv=3, head_dim=16,
         causal=True, shifted="end"),
    Case("causal-q-eq-k", seed=14, batch=2, seq_q=8, seq_k=8, heads_q=2, heads_kv=2, head_dim=32,
         causal=True, shifted="end"),
    Case("window-left", seed=15, seq_q=10, seq_k=12, heads_q=2, heads_kv=2, head_dim=16,
         left=3, shifted="first"),
    Case("window-right", seed=16, seq_q=10, seq_k=8, heads_q=2, heads_kv=2, head_dim=16,
         right=2, shifted="end"),
    Case("window-both", seed=17, batch=2, seq_q=9, seq_k=13, heads_q=2, heads_kv=2, head_dim=16,
         left=2, right=1, shifted="first"),
    Case("window-causal", seed=18, seq_q=12, seq_k=12, heads_q=2, heads_kv=2, head_dim=16,
         causal=True, left=4, shifted="first"),
    Case("softcap", seed=19, seq_q=6, seq_k=10, heads_q=2, heads_kv=2, head_dim=16,
         softcap=3.0, scale=1.0),
    Case("gqa-causal", seed=20, batch=2, seq_q=6, seq_k=7, heads_q=6, heads_kv=2, head_dim=16,
         causal=True, shifted="end"),
    Case("mqa-window-scale", seed=21, seq_q=5, seq_k=9, heads_q=4, heads_kv=1, head_dim=16,
         left=3, right=3, scale=0.5, shifted="end"),
    Case("padded", seed=22, batch=3, seq_q=4, seq_k=8, heads_q=2, heads_kv=2, head_dim=16,
         seqlens_k=(8, 5, 0), shifted="end"),
    Case("padded-causal-gqa", seed=23, batch=3, seq_q=6, seq_k=7, heads_q=4, heads_kv=2, head_dim=16,
         causal=True, seqlens_k=(3, 7, 6), shifted="end"),
    Case("varlen", seed=24, batch=4, heads_q=4, heads_kv=2, head_dim=16,
         varlen_q=(4, 0, 5, 3), varlen_k=(6, 3, 0, 3), shifted="end"),
    Case("varlen-causal-window-softcap", seed=25, batch=3, heads_q=2, heads_kv=1, head_dim=20,
         varlen_q=(3, 7, 5), varlen_k=(8, 4, 5), unused_k=2, causal=True, left=5, softcap=2.0,
         shifted="end"),
    # several 64-row blocks and key blocks: sdpa's tile skipping under a causal band
    Case("blocks-causal-window", seed=26, seq_q=130, seq_k=150, heads_q=2, heads_kv=1, head_dim=8,
         causal=True, left=70, shifted="end"),
)


def round_to(dtype: str, x: np.ndarray) -> np.ndarray:
    """The inputs as the dtype would hold them, in float32 (exact)."""
    f = np.asarray(x, dtype=np.float32)
    if dtype == "f32":
        return f
    if dtype == "f16":
        return np.asarray(x, dtype=np.float64).astype(np.float16).astype(np.float32)
    # bf16: keep the top 16 bits of the f32, rounding to nearest, ties to even
    assert np.all(np.isfinite(f))
    bits = f.view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(np.float32)


def visible(case: Case, sq: int, sk: int, keys: int, edge: str | None = None) -> np.ndarray:
    """Boolean [sq, keys]: may query i see key j. `edge` moves one mask edge out by one key."""
    up = 1 if edge == "end" else 0
    down = 1 if edge == "first" else 0
    i = np.arange(sq)[:, None]
    j = np.arange(keys)[None, :]
    shift = sk - sq
    m = (j < sk + up) & (i >= 0)  # [sq, keys], whatever the options
    if case.causal:
        m &= j <= i + shift + up
    if case.left >= 0:
        m &= j >= i + shift - case.left - down
    if case.right >= 0:
        m &= j <= i + shift + case.right + up
    return m


def attend(case: Case, q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray):
    """One sequence, all heads: q [sq, hq, d], k/v [keys, hkv, d] (f64) -> out [sq, hq, d], lse [hq, sq]."""
    sq, hq, d = q.shape
    group = hq // case.heads_kv
    scale = case.scale if case.scale is not None else 1.0 / np.sqrt(d)
    out = np.zeros((sq, hq, d))
    lse = np.full((hq, sq), -np.inf)
    for h in range(hq):
        kv = h // group
        s = scale * (q[:, h, :] @ k[:, kv, :].T)
        if case.softcap > 0:
            s = case.softcap * np.tanh(s / case.softcap)
        for i in range(sq):
            seen = mask[i]
            if not seen.any():
                continue  # sees no key: zeros, LSE -inf
            row = s[i, seen]
            top = row.max()
            w = np.exp(row - top)
            total = w.sum()
            out[i, h, :] = (w / total) @ v[seen, kv, :]
            lse[h, i] = top + np.log(total)
    return out, lse


def sequences(case: Case):
    """(query slice, key slice of the physical keys, sq, sk) per sequence, over the q/k tensors' token axis."""
    if case.layout == "varlen":
        cu_q = np.concatenate([[0], np.cumsum(case.varlen_q)])
        cu_k = np.concatenate([[0], np.cumsum(case.varlen_k)])
        total_k = int(cu_k[-1]) + case.unused_k
        for b in range(case.batch):
            # a packed sequence could physically reach every later token: the shifted variant may
            yield slice(cu_q[b], cu_q[b + 1]), slice(cu_k[b], total_k), case.varlen_q[b], case.varlen_k[b]
    else:
        for b in range(case.batch):
            sk = case.seq_k if case.seqlens_k is None else case.seqlens_k[b]
            yield b, b, case.seq_q, sk


def make_inputs(case: Case, dtype: str):
    rng = np.random.default_rng(case.seed)  # the same draw for every dtype: they differ by rounding only
    if case.layout == "varlen":
        total_q = sum(case.varlen_q)
        used_k = sum(case.varlen_k)
        qs = (total_q, case.heads_q, case.head_dim)
        ks = (used_k + case.unused_k, case.heads_kv, case.head_dim)
    else:
        qs = (case.batch, case.seq_q, case.heads_q, case.head_dim)
        ks = (case.batch, case.seq_k, case.heads_kv, case.head_dim)
    q = rng.standard_normal(qs)
    k = rng.standard_normal(ks)
    v = rng.standard_normal(ks)
    if case.layout == "padded":
        for b, n in enumerate(case.seqlens_k):
            k[b, n:] = PAD_VALUE
            v[b, n:] = PAD_VALUE
    if case.layout == "varlen" and case.unused_k:
        k[used_k:] = PAD_VALUE
        v[used_k:] = PAD_VALUE
    return round_to(dtype, q), round_to(dtype, k), round_to(dtype, v)


def reference(case: Case, q: np.ndarray, k: np.ndarray, v: np.ndarray, edge: str | None):
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    out = np.zeros_like(q)
    if case.layout == "varlen":
        lse = np.full((case.heads_q, q.shape[0]), -np.inf)
    else:
        lse = np.full((case.batch, case.heads_q, case.seq_q), -np.inf)
    for qi, ki, sq, sk in sequences(case):
        keys = k[ki]
        o, l = attend(case, q[qi], keys, v[ki], visible(case, sq, sk, keys.shape[0], edge))
        out[qi] = o
        if case.layout == "varlen":
            lse[:, qi] = l
        else:
            lse[qi] = l
    return out, lse


def ranges(case: Case) -> np.ndarray:
    rows = []
    for b, (_, _, sq, sk) in enumerate(sequences(case)):
        m = visible(case, sq, sk, sk)
        for i in range(sq):
            seen = np.flatnonzero(m[i])
            if seen.size == 0:
                rows.append((b, i, 0, 0))
                continue
            first, end = int(seen[0]), int(seen[-1]) + 1
            assert seen.size == end - first, f"{case.name}: row {i} does not see a contiguous range"
            rows.append((b, i, first, end))
    return np.array(rows, dtype=np.int32).reshape(-1, 4)


def fmt_list(values) -> str:
    return "-" if values is None else ",".join(str(int(x)) for x in values)


def index_line(case: Case, dtype: str, name: str) -> str:
    if case.layout == "varlen":
        cu_q = np.concatenate([[0], np.cumsum(case.varlen_q)])
        cu_k = np.concatenate([[0], np.cumsum(case.varlen_k)])
        seq_q, seq_k = int(cu_q[-1]), int(cu_k[-1]) + case.unused_k
    else:
        cu_q = cu_k = None
        seq_q, seq_k = case.seq_q, case.seq_k
    fields = {
        "name": name, "dtype": dtype, "layout": case.layout, "batch": case.batch,
        "heads_q": case.heads_q, "heads_kv": case.heads_kv, "head_dim": case.head_dim,
        "seq_q": seq_q, "seq_k": seq_k, "causal": str(case.causal).lower(),
        "window_left": case.left, "window_right": case.right, "softcap": repr(float(case.softcap)),
        "scale": "default" if case.scale is None else repr(float(case.scale)),
        "seqlens_k": fmt_list(case.seqlens_k), "cu_seqlens_q": fmt_list(cu_q), "cu_seqlens_k": fmt_list(cu_k),
        "shifted": case.shifted or "-", "seed": case.seed,
    }
    return " ".join(f"{k}={v}" for k, v in fields.items())


def main() -> int:
    if OUT_DIR.exists():
        shutil.rmtree(OUT_DIR)
    OUT_DIR.mkdir(parents=True)
    lines = ["# Independent attention fixtures; made by scripts/reference-fixtures/make_fixtures.py, "
             f"numpy {np.__version__}. One case per line."]
    for case in CASES:
        assert case.heads_q % case.heads_kv == 0
        for dtype in DTYPES:
            name = f"{case.name}-{dtype}"
            folder = OUT_DIR / name
            folder.mkdir()
            q, k, v = make_inputs(case, dtype)
            out, lse = reference(case, q, k, v, None)
            arrays = {"q": q, "k": k, "v": v, "out": out, "lse": lse, "ranges": ranges(case)}
            if case.shifted:
                out_s, lse_s = reference(case, q, k, v, case.shifted)
                effect = np.max(np.abs(out_s - out))
                assert effect > MIN_SHIFT_EFFECT, f"{name}: shifting the {case.shifted} edge changes out by only {effect}"
                arrays |= {"out_shifted": out_s, "lse_shifted": lse_s}
            for key, a in arrays.items():
                np.save(folder / f"{key}.npy", np.ascontiguousarray(a))
            lines.append(index_line(case, dtype, name))
    (OUT_DIR / "index.txt").write_text("\n".join(lines) + "\n")
    sums = []
    for f in sorted(p for p in OUT_DIR.rglob("*") if p.is_file()):
        rel = f.relative_to(OUT_DIR).as_posix()
        sums.append(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {rel}")
    (OUT_DIR / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    size = sum(p.stat().st_size for p in OUT_DIR.rglob("*") if p.is_file())
    print(f"wrote {len(lines) - 1} cases, {size} bytes, to {OUT_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
