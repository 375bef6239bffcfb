package io.kernelhub.models.reference;

import io.kernelhub.models.safetensors.SafetensorsCheckpoint;
import io.kernelhub.models.safetensors.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An independent float64 implementation of Hugging Face's {@code LlamaForCausalLM} forward pass,
 * written from transformers' {@code models/llama/modeling_llama.py} and
 * {@code modeling_rope_utils.py}, to judge kernelhub's own Llama runtime. It shares no model code
 * with kernelhub: only the safetensors reader (tested on its own) and Jackson for config.json.
 *
 * <p>One sequence, positions {@code 0..n-1}, full causal recompute, no cache, no padding. Plain
 * loops over {@code double[]}: meant for tiny models (the weights are held as exact float32
 * values, a few MB at most), not for speed.
 *
 * <p>{@link #logits(int[])} computes everything in double. {@link #logits(int[], Precision)}
 * additionally rounds each op's result where PyTorch would hold a tensor of that dtype (see
 * {@link Precision}), with the weights first cast to the dtype as {@code from_pretrained(...,
 * torch_dtype=...)} does: the low-precision reference of FlashAttention's criterion
 * {@code err(impl vs f64) <= 2 * err(rounded reference vs f64) + eps}.
 */
public final class LlamaReference {

    private final LlamaReferenceConfig config;
    /** Hugging Face tensor name -> values (row-major, exact f32 widened from the checkpoint). */
    private final Map<String, float[]> weights;
    private final Map<Precision, Map<String, double[]>> cast = new EnumMap<>(Precision.class);

    private LlamaReference(LlamaReferenceConfig config, Map<String, float[]> weights) {
        this.config = config;
        this.weights = weights;
    }

    /**
     * Opens a Hugging Face model directory: {@code config.json} (read by
     * {@link LlamaReferenceConfig#read}) and {@code model.safetensors} or its shards. Every tensor
     * the config implies must be present with its shape; {@code lm_head.weight} is read only when
     * the embeddings are not tied (as transformers ties it to {@code model.embed_tokens.weight});
     * any tensor the model does not use (other than an old {@code rotary_emb.inv_freq} buffer) is
     * an error, so a misspelt name cannot go unnoticed.
     */
    public static LlamaReference open(Path dir) {
        LlamaReferenceConfig c = LlamaReferenceConfig.read(dir);
        Map<String, long[]> shapes = expectedShapes(c);
        Map<String, float[]> w = new HashMap<>();
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            for (var e : shapes.entrySet()) {
                TensorInfo info = ckpt.find(e.getKey()).orElseThrow(() -> new IllegalArgumentException(
                        dir + ": tensor " + e.getKey() + " is missing"));
                if (!Arrays.equals(info.shape(), e.getValue())) {
                    throw new IllegalArgumentException(dir + ": " + e.getKey() + " has shape " + info.shapeText()
                            + ", config.json implies " + Arrays.toString(e.getValue()));
                }
                w.put(e.getKey(), ckpt.readFloats(e.getKey()));
            }
            List<String> unused = new ArrayList<>();
            for (String name : ckpt.names()) {
                boolean tiedHead = c.tieWordEmbeddings() && name.equals("lm_head.weight");
                if (!shapes.containsKey(name) && !tiedHead && !name.endsWith("rotary_emb.inv_freq")) {
                    unused.add(name);
                }
            }
            if (!unused.isEmpty()) {
                throw new IllegalArgumentException(dir + ": tensors the model does not use: " + unused);
            }
        }
        return new LlamaReference(c, Map.copyOf(w));
    }

    /** The names and shapes ({@code [out, in]} for linears) that LlamaForCausalLM declares. */
    static Map<String, long[]> expectedShapes(LlamaReferenceConfig c) {
        Map<String, long[]> s = new LinkedHashMap<>();
        long hidden = c.hiddenSize(), q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim(), inter = c.intermediateSize();
        s.put("model.embed_tokens.weight", new long[] {c.vocabSize(), hidden});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            s.put(p + "input_layernorm.weight", new long[] {hidden});
            linear(s, p + "self_attn.q_proj", q, hidden, c.attentionBias());
            linear(s, p + "self_attn.k_proj", kv, hidden, c.attentionBias());
            linear(s, p + "self_attn.v_proj", kv, hidden, c.attentionBias());
            linear(s, p + "self_attn.o_proj", hidden, q, c.attentionBias());
            s.put(p + "post_attention_layernorm.weight", new long[] {hidden});
            linear(s, p + "mlp.gate_proj", inter, hidden, c.mlpBias());
            linear(s, p + "mlp.up_proj", inter, hidden, c.mlpBias());
            linear(s, p + "mlp.down_proj", hidden, inter, c.mlpBias());
        }
        s.put("model.norm.weight", new long[] {hidden});
        if (!c.tieWordEmbeddings()) {
            s.put("lm_head.weight", new long[] {c.vocabSize(), hidden});
        }
        return s;
    }

    private static void linear(Map<String, long[]> s, String name, long out, long in, boolean bias) {
        s.put(name + ".weight", new long[] {out, in});
        if (bias) {
            s.put(name + ".bias", new long[] {out});
        }
    }

    /**
     * The same weights under another config of the same shapes: for tests that show a fixture
     * notices a semantic change (say, RoPE scaling dropped) that leaves every tensor in place.
     */
    LlamaReference withConfig(LlamaReferenceConfig other) {
        Map<String, long[]> shapes = expectedShapes(other);
        for (var e : shapes.entrySet()) {
            float[] w = weights.get(e.getKey());
            if (w == null || w.length != Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact)) {
                throw new IllegalArgumentException(e.getKey() + " does not fit the other config");
            }
        }
        return new LlamaReference(other, weights);
    }

    public LlamaReferenceConfig config() {
        return config;
    }

    /** The logits {@code [n][vocab]} of every position of one sequence, all in double. */
    public double[][] logits(int[] tokenIds) {
        return logits(tokenIds, Precision.F64);
    }

    /**
     * The logits {@code [n][vocab]} of every position, with the model run in {@code p} (see
     * {@link Precision}): LlamaModel.forward then lm_head, as transformers computes them.
     */
    public double[][] logits(int[] tokenIds, Precision p) {
        LlamaReferenceConfig c = config;
        int n = tokenIds.length;
        if (n == 0) {
            throw new IllegalArgumentException("no tokens");
        }
        Map<String, double[]> w = weights(p);
        double[] embed = w.get("model.embed_tokens.weight");
        int hidden = c.hiddenSize();
        double[][] h = new double[n][];
        for (int i = 0; i < n; i++) {
            int t = tokenIds[i];
            if (t < 0 || t >= c.vocabSize()) {
                throw new IllegalArgumentException("token " + t + " at " + i + " is outside the vocabulary of " + c.vocabSize());
            }
            h[i] = Arrays.copyOfRange(embed, t * hidden, (t + 1) * hidden);
        }
        double[][][] rope = rotaryTables(c, n, p);
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String pre = "model.layers." + l + ".";
            // LlamaDecoderLayer: h = h + attn(input_layernorm(h)); h = h + mlp(post_attention_layernorm(h))
            double[][] x = rmsNorm(h, w.get(pre + "input_layernorm.weight"), c.rmsNormEps(), p);
            double[][] q = linear(x, w, pre + "self_attn.q_proj", p);
            double[][] k = linear(x, w, pre + "self_attn.k_proj", p);
            double[][] v = linear(x, w, pre + "self_attn.v_proj", p);
            for (int i = 0; i < n; i++) {
                rotateHeads(q[i], c.numAttentionHeads(), c.headDim(), rope[0][i], rope[1][i], p);
                rotateHeads(k[i], c.numKeyValueHeads(), c.headDim(), rope[0][i], rope[1][i], p);
            }
            double[][] a = causalAttention(q, k, v, c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), p);
            h = add(h, linear(a, w, pre + "self_attn.o_proj", p), p);
            x = rmsNorm(h, w.get(pre + "post_attention_layernorm.weight"), c.rmsNormEps(), p);
            h = add(h, mlp(x, w, pre + "mlp.", p), p);
        }
        h = rmsNorm(h, w.get("model.norm.weight"), c.rmsNormEps(), p);
        double[] head = w.get(c.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight");
        return linear(h, head, null, c.vocabSize(), p);
    }

    /** The weights as {@code from_pretrained(torch_dtype=...)} holds them: each cast to the dtype. */
    private synchronized Map<String, double[]> weights(Precision p) {
        return cast.computeIfAbsent(p, key -> {
            Map<String, double[]> m = new HashMap<>();
            weights.forEach((name, f) -> {
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = key.round(f[i]);
                }
                m.put(name, d);
            });
            return m;
        });
    }

    // ---------------------------------------------------------------------------------------
    // Building blocks, each mirroring one piece of modeling_llama.py / modeling_rope_utils.py.

    /**
     * RoPE inverse frequencies {@code [head_dim / 2]}: transformers'
     * {@code _compute_default_rope_parameters} ({@code 1 / theta^(2i / d)}, d = head_dim), then
     * {@code _compute_llama3_parameters} when configured: with {@code wavelen = 2 pi / inv},
     * frequencies whose wavelength exceeds {@code original / low_freq_factor} are divided by
     * {@code factor}, those shorter than {@code original / high_freq_factor} are kept, and those
     * in between (bounds included) are blended, {@code (1 - s) inv / factor + s inv} with
     * {@code s = (original / wavelen - low) / (high - low)}. In the rounded precisions each step
     * is a float32 op, as in transformers (inv_freq is a float32 buffer whatever the dtype).
     */
    public static double[] inverseFrequencies(LlamaReferenceConfig c, Precision p) {
        int d = c.headDim();
        double[] inv = new double[d / 2];
        for (int i = 0; i < inv.length; i++) {
            double exponent = p.f32((2.0 * i) / d);
            inv[i] = p.f32(1.0 / p.f32(Math.pow(c.ropeTheta(), exponent)));
        }
        LlamaReferenceConfig.Llama3Scaling s = c.ropeScaling();
        if (s == null) {
            return inv;
        }
        double old = s.originalMaxPositionEmbeddings();
        double lowWavelen = old / s.lowFreqFactor();
        double highWavelen = old / s.highFreqFactor();
        double[] out = new double[inv.length];
        for (int i = 0; i < inv.length; i++) {
            double wavelen = p.f32(p.f32(2 * Math.PI) / inv[i]);
            double llama = wavelen > lowWavelen ? p.f32(inv[i] / s.factor()) : inv[i];
            boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            if (medium) {
                double smooth = p.f32(p.f32(p.f32(old / wavelen) - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor()));
                llama = p.f32(p.f32(p.f32(p.f32(1 - smooth) * llama) / s.factor()) + p.f32(smooth * llama));
            }
            out[i] = llama;
        }
        return out;
    }

    /**
     * LlamaRotaryEmbedding.forward for positions {@code 0..n-1}: {@code {cos, sin}}, each
     * {@code [n][head_dim]}, of {@code emb = cat(freqs, freqs)} with {@code freqs = pos * inv_freq}
     * (so entries {@code i} and {@code i + d/2} share a frequency). Computed in float32 and then
     * cast to the model's dtype ({@code cos.to(x.dtype)}) in the rounded precisions.
     */
    public static double[][][] rotaryTables(LlamaReferenceConfig c, int n, Precision p) {
        double[] inv = inverseFrequencies(c, p);
        int d = c.headDim(), half = d / 2;
        double[][] cos = new double[n][d], sin = new double[n][d];
        for (int pos = 0; pos < n; pos++) {
            for (int i = 0; i < half; i++) {
                double freq = p.f32(pos * inv[i]);
                double cv = p.round(p.f32(Math.cos(freq))), sv = p.round(p.f32(Math.sin(freq)));
                cos[pos][i] = cos[pos][i + half] = cv;
                sin[pos][i] = sin[pos][i + half] = sv;
            }
        }
        return new double[][][] {cos, sin};
    }

    /** HF's {@code rotate_half}: {@code cat(-x2, x1)} where x1 is the first half of the head, x2 the second. */
    public static double[] rotateHalf(double[] x) {
        int half = x.length / 2;
        double[] r = new double[x.length];
        for (int i = 0; i < half; i++) {
            r[i] = -x[i + half];
            r[i + half] = x[i];
        }
        return r;
    }

    /**
     * {@code apply_rotary_pos_emb} for one head: {@code x * cos + rotate_half(x) * sin}; in the
     * rounded precisions both products and the sum are each a dtype tensor.
     */
    public static double[] applyRotary(double[] x, double[] cos, double[] sin, Precision p) {
        double[] r = rotateHalf(x);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = p.round(p.round(x[i] * cos[i]) + p.round(r[i] * sin[i]));
        }
        return out;
    }

    private static void rotateHeads(double[] row, int heads, int d, double[] cos, double[] sin, Precision p) {
        for (int h = 0; h < heads; h++) {
            double[] rotated = applyRotary(Arrays.copyOfRange(row, h * d, (h + 1) * d), cos, sin, p);
            System.arraycopy(rotated, 0, row, h * d, d);
        }
    }

    /**
     * LlamaRMSNorm: {@code weight * (x / sqrt(mean(x^2) + eps))}. Rounded precisions follow HF:
     * the statistics, {@code rsqrt(variance + eps)} and {@code x * rsqrt} in float32, that cast
     * back to the dtype ({@code .to(input_dtype)}), then {@code weight * ...} as a dtype tensor.
     */
    public static double[] rmsNorm(double[] x, double[] weight, double eps, Precision p) {
        double squares = 0;
        for (double v : x) {
            squares += v * v;
        }
        double variance = p.f32(squares / x.length);
        double inv = p.f32(1.0 / Math.sqrt(p.f32(variance + p.f32(eps))));
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = p.round(weight[i] * p.round(p.f32(x[i] * inv)));
        }
        return out;
    }

    private static double[][] rmsNorm(double[][] rows, double[] weight, double eps, Precision p) {
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = rmsNorm(rows[i], weight, eps, p);
        }
        return out;
    }

    /** The kv head a query head reads: HF's {@code repeat_kv} repeats each kv head for {@code heads / kvHeads} consecutive query heads. */
    public static int kvHead(int queryHead, int heads, int kvHeads) {
        return queryHead / (heads / kvHeads);
    }

    /**
     * {@code eager_attention_forward} with the causal mask, for one sequence: q {@code [n][heads*d]},
     * k and v {@code [n][kvHeads*d]} (heads side by side, as the projections' outputs are viewed),
     * out {@code [n][heads*d]}. Scores {@code q.k} then times {@code head_dim^-0.5} (two dtype
     * tensors in HF: the matmul, then the scaling), softmax over keys {@code j <= i} in float32 cast
     * to the dtype, then {@code weights @ v}. The additive mask of HF (the dtype's minimum) gives
     * masked keys exactly zero weight, as skipping them does here.
     */
    public static double[][] causalAttention(double[][] q, double[][] k, double[][] v, int heads, int kvHeads, int d,
            Precision p) {
        int n = q.length;
        double scaling = p.f32(Math.pow(d, -0.5));
        double[][] out = new double[n][heads * d];
        double[] scores = new double[n];
        for (int h = 0; h < heads; h++) {
            int qo = h * d, ko = kvHead(h, heads, kvHeads) * d;
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double dot = 0;
                    for (int e = 0; e < d; e++) {
                        dot += q[i][qo + e] * k[j][ko + e];
                    }
                    scores[j] = p.round(p.round(dot) * scaling);
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j <= i; j++) {
                    scores[j] = p.round(p.f32(scores[j] / sum));
                }
                for (int e = 0; e < d; e++) {
                    double acc = 0;
                    for (int j = 0; j <= i; j++) {
                        acc += scores[j] * v[j][ko + e];
                    }
                    out[i][qo + e] = p.round(acc);
                }
            }
        }
        return out;
    }

    /** SiLU, HF's "silu" activation: {@code x * sigmoid(x)}. */
    public static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    /** LlamaMLP: {@code down(silu(gate(x)) * up(x))}; silu's output and the product are each a dtype tensor. */
    private static double[][] mlp(double[][] x, Map<String, double[]> w, String pre, Precision p) {
        double[][] gate = linear(x, w, pre + "gate_proj", p);
        double[][] up = linear(x, w, pre + "up_proj", p);
        for (int i = 0; i < gate.length; i++) {
            for (int j = 0; j < gate[i].length; j++) {
                gate[i][j] = p.round(p.round(silu(gate[i][j])) * up[i][j]);
            }
        }
        return linear(gate, w, pre + "down_proj", p);
    }

    private static double[][] linear(double[][] x, Map<String, double[]> w, String name, Precision p) {
        double[] weight = w.get(name + ".weight");
        double[] bias = w.get(name + ".bias");
        return linear(x, weight, bias, weight.length / x[0].length, p);
    }

    /**
     * nn.Linear: {@code y = x W^T + b} with W {@code [out][in]} row-major; accumulated in double
     * and rounded once (bias included, as a GEMM with a bias epilogue does).
     */
    static double[][] linear(double[][] x, double[] weight, double[] bias, int outFeatures, Precision p) {
        int in = x[0].length;
        double[][] y = new double[x.length][outFeatures];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < outFeatures; o++) {
                double acc = bias == null ? 0 : bias[o];
                for (int e = 0, base = o * in; e < in; e++) {
                    acc += x[i][e] * weight[base + e];
                }
                y[i][o] = p.round(acc);
            }
        }
        return y;
    }

    /** The residual add {@code residual + hidden_states}, a dtype tensor. */
    private static double[][] add(double[][] a, double[][] b, Precision p) {
        double[][] out = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = p.round(a[i][j] + b[i][j]);
            }
        }
        return out;
    }

    /** The largest {@code |a - b|} over two arrays of the same shape (the criterion's error); NaN if any difference is NaN. */
    public static double maxAbsDiff(double[][] a, double[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(a.length + " rows vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) {
                throw new IllegalArgumentException("row " + i + ": " + a[i].length + " vs " + b[i].length);
            }
            for (int j = 0; j < a[i].length; j++) {
                double diff = Math.abs(a[i][j] - b[i][j]);
                if (Double.isNaN(diff)) {
                    return Double.NaN;
                }
                max = Math.max(max, diff);
            }
        }
        return max;
    }

    /** The largest {@code |a|}. */
    public static double maxAbs(double[][] a) {
        double max = 0;
        for (double[] row : a) {
            for (double v : row) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }
}
