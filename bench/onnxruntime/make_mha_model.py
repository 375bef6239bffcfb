#!/usr/bin/env python3
"""Writes the ONNX models of the ONNX Runtime peer: one com.microsoft::MultiHeadAttention node.

One model per (dtype, causal): mha-<dtype>-<full|causal>.onnx in --out. Inputs query, key, value are
[batch, seq_q | seq_k, hidden] (hidden = heads * head_dim, dims symbolic except hidden), attribute
num_heads, causal via unidirectional=1, scale left at its default (1/sqrt(head_dim)). Needs only
Debian's python3-onnx; no onnx.checker (it does not know the com.microsoft domain).
"""
import argparse
import os

import onnx
from onnx import TensorProto, helper

DTYPES = {"f32": TensorProto.FLOAT, "f16": TensorProto.FLOAT16, "bf16": TensorProto.BFLOAT16}


def model(dtype, causal, heads, head_dim):
    hidden = heads * head_dim
    elem = DTYPES[dtype]
    inputs = [helper.make_tensor_value_info("query", elem, ["batch", "seq_q", hidden]),
              helper.make_tensor_value_info("key", elem, ["batch", "seq_k", hidden]),
              helper.make_tensor_value_info("value", elem, ["batch", "seq_k", hidden])]
    output = helper.make_tensor_value_info("output", elem, ["batch", "seq_q", hidden])
    node = helper.make_node("MultiHeadAttention", ["query", "key", "value"], ["output"],
                            domain="com.microsoft", name="mha", num_heads=heads,
                            unidirectional=1 if causal else 0)
    graph = helper.make_graph([node], f"mha_{dtype}_{'causal' if causal else 'full'}", inputs, [output])
    m = helper.make_model(graph, producer_name="kernelhub-bench",
                          opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    m.ir_version = 8
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--head-dim", type=int, default=128)
    ap.add_argument("--dtypes", default="f32,f16,bf16")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for dtype in a.dtypes.split(","):
        for causal in (False, True):
            path = os.path.join(a.out, f"mha-{dtype}-{'causal' if causal else 'full'}.onnx")
            onnx.save(model(dtype, causal, a.heads, a.head_dim), path)
            print(path)


if __name__ == "__main__":
    main()
