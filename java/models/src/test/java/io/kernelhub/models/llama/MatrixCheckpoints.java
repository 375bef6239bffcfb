package io.kernelhub.models.llama;

import io.kernelhub.core.DType;
import io.kernelhub.models.AutoModel;
import io.kernelhub.models.CausalLM;
import io.kernelhub.models.ModelOptions;
import io.kernelhub.models.hf.HfCheckpointWriter;
import io.kernelhub.models.hf.LlamaCheckpointConfig;
import io.kernelhub.models.hf.RopeScaling;
import io.kernelhub.models.reference.LlamaReference;
import io.kernelhub.models.reference.LogitsCriterion;
import io.kernelhub.models.reference.Precision;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The checkpoints of {@link LlamaCheckpointMatrixTest}: small seeded Llama directories written by
 * {@link HfCheckpointWriter}, each varying the features the runtime must honour (dtype, GQA/MHA/MQA,
 * tied embeddings, biases, llama3 rope scaling, an explicit head_dim, sharding), together with
 * their float64 reference and a cache of reference logits (the reference is the slow part).
 */
final class MatrixCheckpoints {

    /** Absolute slack of FlashAttention's criterion, as in {@link LlamaVersusReferenceTest}. */
    static final double EPS = 1e-5;
    /** Every case holds sequences this long (the longest prompt is 300 tokens). */
    static final int MAX_POSITIONS = 512;

    /**
     * One checkpoint of the matrix.
     *
     * @param name  what it varies
     * @param spec  what HfCheckpointWriter writes
     * @param shards expected number of safetensors files (1: a single model.safetensors)
     */
    record Case(String name, HfCheckpointWriter.Spec spec, int shards) {
        LlamaCheckpointConfig config() {
            return spec.config();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static LlamaCheckpointConfig config(int vocab, int hidden, int inter, int heads, int kvHeads, int headDim,
            RopeScaling rope, boolean tied, boolean attentionBias, boolean mlpBias, DType dtype) {
        return new LlamaCheckpointConfig(vocab, hidden, inter, 2, heads, kvHeads, headDim, MAX_POSITIONS, 1e-5, 10000.0,
                rope, tied, attentionBias, mlpBias, "silu", dtype);
    }

    /** The matrix, by name. */
    static final Map<String, Case> CASES = new LinkedHashMap<>();

    static {
        RopeScaling none = new RopeScaling.None();
        // GQA (4 query heads on 2 kv heads), untied, no biases, f32, one file
        add(new Case("f32-gqa-untied", HfCheckpointWriter.Spec.of(
                config(512, 64, 176, 4, 2, 16, none, false, false, false, DType.F32), 101), 1));
        // MHA, tied embeddings, attention and MLP biases, bf16, sharded
        add(new Case("bf16-mha-tied-biases-sharded", HfCheckpointWriter.Spec.of(
                config(384, 96, 256, 6, 6, 16, none, true, true, true, DType.BF16), 202)
                .withMaxShardBytes(100_000), 3));
        // MQA, head_dim 32 given explicitly (4 * 32 != hidden 64), llama3 rope scaling, f16, one file
        add(new Case("f16-mqa-headdim32-llama3", HfCheckpointWriter.Spec.of(
                config(320, 64, 160, 4, 1, 32, new RopeScaling.Llama3(8.0, 1.0, 4.0, 64), false, false, false,
                        DType.F16), 303), 1));
        // GQA (4 on 2) at hidden 128, head_dim 32, untied, MLP bias only, bf16, sharded
        add(new Case("bf16-gqa-mlpbias-sharded", HfCheckpointWriter.Spec.of(
                config(512, 128, 344, 4, 2, 32, none, false, false, true, DType.BF16), 404)
                .withMaxShardBytes(150_000), 3));
        // MHA, tied, attention bias only, f32, sharded
        add(new Case("f32-mha-tied-attnbias-sharded", HfCheckpointWriter.Spec.of(
                config(320, 64, 160, 4, 4, 16, none, true, true, false, DType.F32), 505)
                .withMaxShardBytes(120_000), 3));
    }

    private static void add(Case c) {
        CASES.put(c.name(), c);
    }

    static Case get(String name) {
        Case c = CASES.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no case " + name);
        }
        return c;
    }

    private final Path root;
    private final Map<String, Path> dirs = new HashMap<>();
    private final Map<String, LlamaReference> references = new HashMap<>();
    private final Map<String, double[][]> logits = new HashMap<>();

    MatrixCheckpoints(Path root) {
        this.root = root;
    }

    /** The case's model directory, written on first use. */
    synchronized Path dir(Case c) {
        Path d = dirs.get(c.name());
        if (d == null) {
            d = HfCheckpointWriter.write(c.spec(), root.resolve(c.name())).directory();
            dirs.put(c.name(), d);
        }
        return d;
    }

    synchronized LlamaReference reference(Case c) {
        LlamaReference r = references.get(c.name());
        if (r == null) {
            r = LlamaReference.open(dir(c));
            references.put(c.name(), r);
        }
        return r;
    }

    /** Reference logits of every position of {@code tokens} in {@code p}, cached. */
    synchronized double[][] referenceLogits(Case c, int[] tokens, Precision p) {
        String key = c.name() + "|" + p + "|" + Arrays.toString(tokens);
        double[][] l = logits.get(key);
        if (l == null) {
            l = reference(c).logits(tokens, p);
            logits.put(key, l);
        }
        return l;
    }

    /** FlashAttention's criterion for {@code actual} on {@code tokens}, the yardstick being the reference in {@code dtype}. */
    LogitsCriterion criterion(Case c, int[] tokens, DType dtype, double[][] actual) {
        return LogitsCriterion.of(actual, referenceLogits(c, tokens, Precision.F64),
                referenceLogits(c, tokens, precision(dtype)), EPS);
    }

    /** The criterion's bound ({@code 2 * err(rounded reference vs f64) + eps}) on {@code tokens}. */
    double bound(Case c, int[] tokens, DType dtype) {
        double[][] f64 = referenceLogits(c, tokens, Precision.F64);
        return new LogitsCriterion(0, LlamaReference.maxAbsDiff(referenceLogits(c, tokens, precision(dtype)), f64), EPS)
                .bound();
    }

    CausalLM load(Case c, DType dtype, String impl, int prefillChunk) {
        return AutoModel.fromPretrained(dir(c), options(dtype, impl).withPrefillChunk(prefillChunk));
    }

    CausalLM load(Case c, DType dtype, String impl) {
        return AutoModel.fromPretrained(dir(c), options(dtype, impl));
    }

    static ModelOptions options(DType dtype, String impl) {
        return ModelOptions.defaults().withDtype(dtype).withAttnImplementation(impl).withThreads(2);
    }

    static Precision precision(DType d) {
        return switch (d) {
            case F32 -> Precision.F32;
            case BF16 -> Precision.BF16;
            case F16 -> Precision.F16;
        };
    }

    /** {@code length} seeded ids in the case's vocabulary. */
    static int[] tokens(Case c, int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed * 7919 + c.spec().seed());
        int[] t = new int[length];
        for (int i = 0; i < length; i++) {
            t[i] = r.nextInt(c.config().vocabSize());
        }
        return t;
    }

    static double[][] widen(float[][] a) {
        double[][] d = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            d[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                d[i][j] = a[i][j];
            }
        }
        return d;
    }

    static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** Index of the largest value, the first one on ties (as torch.argmax and the Sampler). */
    static int argmax(double[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Top-1 minus top-2 value. */
    static double gap(double[] a) {
        int best = argmax(a);
        double second = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < a.length; i++) {
            if (i != best) {
                second = Math.max(second, a[i]);
            }
        }
        return a[best] - second;
    }

    static double gap(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return gap(d);
    }
}
