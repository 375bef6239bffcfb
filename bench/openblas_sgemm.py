#!/usr/bin/env python3
"""The machine's OpenBLAS sgemm rate, for bench/cpu-attention.sh: one JSON line per measurement.

Calls cblas_sgemm of Debian's threaded OpenBLAS (openblas-pthread, the library PyTorch maps here)
through ctypes on numpy buffers allocated once; openblas_set_num_threads(--threads).

- square: m = n = k = --square (2048), FLOPs 2*m*n*k.
- attention-shaped, per seq: for each of the 8 heads, S = Q K^T ([seq x 128] times [128 x seq]) and
  O = P V ([seq x seq] times [seq x 128]), timed together. FLOPs = 2*m*n*k per product, which is
  exactly kernelhub's attention count 4 * head_dim * heads * seq^2, so the number is what full
  (non-causal) attention would reach if softmax were free and both products ran at sgemm speed.
  The line has causal false; a causal kernel that computed only the unmasked half at this speed would
  show the same GFLOP/s (FLOPs count unmasked pairs only).
Time = median of --iters after --warmup.
"""
import argparse
import ctypes
import glob
import json
import statistics
import time

import numpy as np

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


def load_openblas():
    paths = sorted(glob.glob("/usr/lib/*-linux-gnu/openblas-pthread/libopenblas.so.0"))
    if not paths:
        raise SystemExit("openblas_sgemm: no /usr/lib/*/openblas-pthread/libopenblas.so.0 (apt-get install libopenblas0-pthread)")
    lib = ctypes.CDLL(paths[0])
    lib.cblas_sgemm.restype = None
    lib.cblas_sgemm.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                ctypes.c_float, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                                ctypes.c_float, ctypes.c_void_p, ctypes.c_int]
    lib.openblas_get_config.restype = ctypes.c_char_p
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return lib, paths[0]


def sgemm(lib, trans_b, m, n, k, a, b, c):
    """c[m x n] = a[m x k] * op(b); row-major; op(b) = b^T when trans_b (b stored [n x k])."""
    ldb = k if trans_b else n
    lib.cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS if trans_b else NO_TRANS, m, n, k, 1.0,
                    a.ctypes.data, k, b.ctypes.data, ldb, 0.0, c.ctypes.data, n)


def timed(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seqs", default="512,1024,2048,4096")
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--head-dim", type=int, default=128)
    ap.add_argument("--square", type=int, default=2048, help="0: no square product")
    ap.add_argument("--tag", default=None, help="added to the square line as \"when\" (e.g. start, end)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--iters", type=int, default=10)
    a = ap.parse_args()
    lib, path = load_openblas()
    lib.openblas_set_num_threads(a.threads)
    info = {"threads": lib.openblas_get_num_threads(), "blas": path.rsplit("/", 1)[-1] + " -> "
            + __import__("os").path.realpath(path).rsplit("/", 1)[-1],
            "blas_core": lib.openblas_get_corename().decode(), "blas_config": lib.openblas_get_config().decode().strip()}
    rng = np.random.default_rng(0)

    if a.square > 0:
        n = a.square
        x, y, z = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(3))
        ms = timed(lambda: sgemm(lib, False, n, n, n, x, y, z), a.warmup, a.iters)
        tag = {"when": a.tag} if a.tag else {}
        print(json.dumps({"impl": "openblas-sgemm", "device": "cpu", "dtype": "f32", "kind": "square", **tag,
                          "m": n, "n": n, "k": n, "time_ms": ms, "gflops": 2.0 * n * n * n / ms / 1e6, **info}),
              flush=True)
        del x, y, z

    d, heads = a.head_dim, a.heads
    for seq in [int(s) for s in a.seqs.split(",") if s]:
        q, k, v = (rng.standard_normal((heads, seq, d), dtype=np.float32) for _ in range(3))
        s = np.empty((seq, seq), dtype=np.float32)  # one score buffer, reused per head
        o = np.empty((heads, seq, d), dtype=np.float32)

        def qk():
            for h in range(heads):
                sgemm(lib, True, seq, seq, d, q[h], k[h], s)

        def pv():
            for h in range(heads):
                sgemm(lib, False, seq, d, seq, s, v[h], o[h])

        def pair():
            for h in range(heads):
                sgemm(lib, True, seq, seq, d, q[h], k[h], s)
                sgemm(lib, False, seq, d, seq, s, v[h], o[h])

        flops_each = 2.0 * seq * seq * d * heads
        ms_qk = timed(qk, a.warmup, a.iters)
        ms_pv = timed(pv, a.warmup, a.iters)
        ms = timed(pair, a.warmup, a.iters)
        print(json.dumps({"impl": "openblas-sgemm", "device": "cpu", "dtype": "f32", "kind": "attention-pair",
                          "seq": seq, "causal": False, "time_ms": ms, "gflops": 2 * flops_each / ms / 1e6,
                          "qk_gflops": flops_each / ms_qk / 1e6, "pv_gflops": flops_each / ms_pv / 1e6,
                          "heads": heads, "head_dim": d, **info}), flush=True)


if __name__ == "__main__":
    main()
