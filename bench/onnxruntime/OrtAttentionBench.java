import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The ONNX Runtime Java peer of bench/cpu-attention.sh: times one com.microsoft::MultiHeadAttention
 * node (models from make_mha_model.py) on the CPU execution provider and prints one JSON line per
 * measurement, in torch_attention.py's format.
 *
 * <p>Run with the JDK 25 source launcher:
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp bench/out/lib/onnxruntime-1.23.2.jar \
 *     bench/onnxruntime/OrtAttentionBench.java --model-dir bench/out/onnx --seqs 512,1024 --dtype f32
 * </pre>
 *
 * <p>Inputs are [batch, seq, heads*head_dim], standard normal (rounded to the dtype), wrapped once in
 * OnnxTensors over direct buffers (no copy); the output is a pinned, pre-allocated OnnxTensor, so the
 * timed region is session.run alone. Time = median of --iters runs after --warmup runs. FLOPs =
 * 4 * head_dim * heads * unmasked query-key pairs (kernelhub's formula). After timing, each shape's
 * output is checked against a float64 reference on sampled query rows of every head (rows 0, 1, 2, the
 * middle and the last two, plus random ones), so a missing or misaligned causal mask fails the check;
 * the line also records how far the output is from the other mask's reference (must be large).
 * With --check-alignment the causal model also runs once with seq_q != seq_k and reports whether ORT's
 * unidirectional mask is top-left (key j <= i) or bottom-right (j <= i + seq_k - seq_q) aligned.
 */
public final class OrtAttentionBench {

    record Args(Path modelDir, int[] seqs, String dtype, int batch, int heads, int headDim, int threads,
                int warmup, int iters, boolean[] causals, boolean checkAlignment, long seed) {}

    public static void main(String[] argv) throws Exception {
        Locale.setDefault(Locale.ROOT);
        Args a = parse(argv);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        String version = env.getVersion();
        for (boolean causal : a.causals()) {
            Path model = a.modelDir().resolve("mha-" + a.dtype() + "-" + (causal ? "causal" : "full") + ".onnx");
            OrtSession session;
            Path optimized = a.modelDir().resolve("optimized").resolve(model.getFileName());
            try {
                Files.createDirectories(optimized.getParent());
                Files.deleteIfExists(optimized);
                session = env.createSession(model.toString(), options(a.threads(), optimized));
            } catch (OrtException e) {
                // e.g. bf16: the op's schema allows only float and float16; record it and go on
                for (int seq : a.seqs()) {
                    System.out.println(errorLine(a, version, seq, causal, oneLine(e.getMessage())));
                }
                continue;
            }
            // the graph ORT actually runs: with no CPU kernel for a dtype it wraps the node in Casts to f32
            boolean casts = Files.exists(optimized)
                    && new String(Files.readAllBytes(optimized), java.nio.charset.StandardCharsets.ISO_8859_1)
                            .contains("InsertedPrecisionFreeCast");
            try (session) {
                if (causal && a.checkAlignment()) {
                    System.out.println(alignment(env, session, a, version));
                }
                for (int seq : a.seqs()) {
                    String line;
                    try {
                        line = measure(env, session, a, version, seq, causal, casts);
                    } catch (OrtException | OutOfMemoryError e) {
                        line = errorLine(a, version, seq, causal, oneLine(String.valueOf(e.getMessage())));
                    }
                    System.out.println(line);
                    System.out.flush();
                }
            }
        }
    }

    static SessionOptions options(int threads, Path optimized) throws OrtException {
        SessionOptions o = new SessionOptions();
        o.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        o.setOptimizedModelFilePath(optimized.toString());  // read back once: which nodes ORT runs
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        o.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
        o.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
        return o;
    }

    // ---- one measurement ----

    static String measure(OrtEnvironment env, OrtSession session, Args a, String version, int seq, boolean causal,
                          boolean casts) throws OrtException {
        int hidden = a.heads() * a.headDim();
        long[] shape = {a.batch(), seq, hidden};
        SplittableRandom rnd = new SplittableRandom(a.seed() + seq * 31L + (causal ? 1 : 0));
        Input q = new Input(a.dtype(), a.batch() * seq * hidden, rnd);
        Input k = new Input(a.dtype(), a.batch() * seq * hidden, rnd);
        Input v = new Input(a.dtype(), a.batch() * seq * hidden, rnd);
        ByteBuffer outBuf = direct(a.batch() * seq * hidden * bytes(a.dtype()));
        try (OnnxTensor tq = q.tensor(env, shape); OnnxTensor tk = k.tensor(env, shape);
             OnnxTensor tv = v.tensor(env, shape); OnnxTensor to = tensor(env, outBuf, shape, a.dtype())) {
            Map<String, OnnxTensor> inputs = Map.of("query", tq, "key", tk, "value", tv);
            Map<String, OnnxTensor> pinned = Map.of("output", to);
            for (int i = 0; i < a.warmup(); i++) {
                session.run(inputs, pinned).close();
            }
            double[] ms = new double[a.iters()];
            for (int i = 0; i < a.iters(); i++) {
                long t0 = System.nanoTime();
                try (OrtSession.Result r = session.run(inputs, pinned)) {
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            double median = median(ms);
            double flops = 4.0 * a.headDim() * a.heads() * a.batch() * pairs(seq, seq, causal);

            float[] out = read(outBuf, a.dtype());
            int[] rows = sampleRows(seq, new SplittableRandom(a.seed() + 7));
            Check same = check(q.values, k.values, v.values, out, a, seq, seq, rows, causal, false);
            Check other = check(q.values, k.values, v.values, out, a, seq, seq, rows, !causal, false);
            double tol = tolerance(a.dtype());
            boolean ok = same.maxErr <= tol && other.maxErr > 10 * tol;
            if (!ok) {
                System.err.printf(Locale.ROOT, "ort: CHECK FAILED seq %d causal %b: err %.3g (tol %.1g), err vs other mask %.3g%n",
                        seq, causal, same.maxErr, tol, other.maxErr);
            }
            Map<String, Object> line = head(a, version, seq, causal);
            line.put("time_ms", median);
            line.put("gflops", flops / median / 1e6);
            line.put("threads", a.threads());
            line.put("ort", version);
            line.put("ort_inserted_casts", casts);
            line.put("warmup", a.warmup());
            line.put("iters", a.iters());
            line.put("check_rows", rows.length * a.heads() * a.batch());
            line.put("check_max_abs_err", same.maxErr);
            line.put("check_err_vs_other_mask", other.maxErr);
            line.put("ok", ok);
            return json(line);
        }
    }

    /** Causal with seq_q != seq_k: which alignment does unidirectional=1 use? */
    static String alignment(OrtEnvironment env, OrtSession session, Args a, String version) throws OrtException {
        int sq = 64, sk = 192, hidden = a.heads() * a.headDim();
        SplittableRandom rnd = new SplittableRandom(a.seed() + 99);
        Input q = new Input(a.dtype(), a.batch() * sq * hidden, rnd);
        Input k = new Input(a.dtype(), a.batch() * sk * hidden, rnd);
        Input v = new Input(a.dtype(), a.batch() * sk * hidden, rnd);
        long[] qs = {a.batch(), sq, hidden}, ks = {a.batch(), sk, hidden};
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("impl", "onnxruntime-java");
        line.put("check", "causal-alignment");
        line.put("dtype", a.dtype());
        line.put("seq_q", sq);
        line.put("seq_k", sk);
        line.put("ort", version);
        try (OnnxTensor tq = q.tensor(env, qs); OnnxTensor tk = k.tensor(env, ks); OnnxTensor tv = v.tensor(env, ks);
             OrtSession.Result r = session.run(Map.of("query", tq, "key", tk, "value", tv))) {
            float[] out = read(((OnnxTensor) r.get(0)).getByteBuffer().order(ByteOrder.nativeOrder()), a.dtype());
            int[] all = new int[sq], allButLast = new int[sq - 1], last = {sq - 1};
            Arrays.setAll(all, i -> i);
            Arrays.setAll(allButLast, i -> i);
            double tl = check(q.values, k.values, v.values, out, a, sq, sk, all, true, true).maxErr;
            double br = check(q.values, k.values, v.values, out, a, sq, sk, all, true, false).maxErr;
            double full = check(q.values, k.values, v.values, out, a, sq, sk, all, false, false).maxErr;
            // ORT builds its mask as if key = past + query and skips the last query row (nothing to mask
            // when seq_k == seq_q); with seq_k > seq_q and no past, that row sees every key.
            double tlHead = check(q.values, k.values, v.values, out, a, sq, sk, allButLast, true, true).maxErr;
            double lastFull = check(q.values, k.values, v.values, out, a, sq, sk, last, false, false).maxErr;
            double tol = tolerance(a.dtype());
            line.put("err_top_left", tl);
            line.put("err_bottom_right", br);
            line.put("err_no_mask", full);
            line.put("err_top_left_rows_but_last", tlHead);
            line.put("err_last_row_no_mask", lastFull);
            line.put("aligned", tl <= tol ? "top-left" : br <= tol ? "bottom-right" : full <= tol ? "none"
                    : tlHead <= tol && lastFull <= tol ? "top-left, last query row unmasked" : "unknown");
        } catch (OrtException e) {
            line.put("error", oneLine(e.getMessage()));
        }
        return json(line);
    }

    // ---- reference ----

    record Check(double maxErr) {}

    /**
     * float64 attention on the given query rows of every batch and head, compared with out.
     * topLeft: causal keys j <= i; otherwise bottom-right, j <= i + sk - sq (kernelhub's convention).
     */
    static Check check(float[] q, float[] k, float[] v, float[] out, Args a, int sq, int sk, int[] rows,
                       boolean causal, boolean topLeft) {
        int H = a.heads(), D = a.headDim();
        double scale = 1 / Math.sqrt(D), maxErr = 0;
        double[] s = new double[sk], acc = new double[D];
        for (int b = 0; b < a.batch(); b++) {
            for (int h = 0; h < H; h++) {
                for (int i : rows) {
                    int last = !causal ? sk - 1 : topLeft ? Math.min(sk - 1, i) : Math.min(sk - 1, i + sk - sq);
                    int qo = ((b * sq + i) * H + h) * D;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= last; j++) {
                        int ko = ((b * sk + j) * H + h) * D;
                        double dot = 0;
                        for (int d = 0; d < D; d++) dot += (double) q[qo + d] * k[ko + d];
                        s[j] = dot * scale;
                        max = Math.max(max, s[j]);
                    }
                    Arrays.fill(acc, 0);
                    double sum = 0;
                    for (int j = 0; j <= last; j++) {
                        double p = Math.exp(s[j] - max);
                        sum += p;
                        int vo = ((b * sk + j) * H + h) * D;
                        for (int d = 0; d < D; d++) acc[d] += p * v[vo + d];
                    }
                    for (int d = 0; d < D; d++) {
                        double ref = last < 0 ? 0 : acc[d] / sum;
                        double got = out[qo + d];
                        double err = Double.isFinite(got) ? Math.abs(got - ref) : Double.POSITIVE_INFINITY;
                        maxErr = Math.max(maxErr, err);
                    }
                }
            }
        }
        return new Check(maxErr);
    }

    static int[] sampleRows(int seq, SplittableRandom rnd) {
        TreeSet<Integer> rows = new TreeSet<>(List.of(0, 1, 2, seq / 2 - 1, seq / 2, seq - 2, seq - 1));
        while (rows.size() < Math.min(seq, 16)) rows.add(rnd.nextInt(seq));
        return rows.stream().mapToInt(Integer::intValue).toArray();
    }

    static double tolerance(String dtype) {
        return switch (dtype) {
            case "f32" -> 1e-4;
            case "f16" -> 2e-2;
            default -> 1e-1;
        };
    }

    static double pairs(long sq, long sk, boolean causal) {
        if (!causal) return (double) sq * sk;
        long shift = sk - sq, n = 0;
        for (long i = 0; i < sq; i++) n += Math.max(0, Math.min(sk, i + shift + 1));
        return n;
    }

    // ---- tensors ----

    /** Random standard-normal values rounded to the dtype: values (as float) and a direct buffer of the dtype. */
    static final class Input {
        final String dtype;
        final float[] values;
        final ByteBuffer buffer;

        Input(String dtype, int n, SplittableRandom rnd) {
            this.dtype = dtype;
            values = new float[n];
            buffer = direct((long) n * bytes(dtype));
            for (int i = 0; i < n; i++) {
                float x = (float) rnd.nextGaussian();
                switch (dtype) {
                    case "f32" -> buffer.putFloat(i * 4, x);
                    case "f16" -> {
                        short h = Float.floatToFloat16(x);
                        buffer.putShort(i * 2, h);
                        x = Float.float16ToFloat(h);
                    }
                    case "bf16" -> {
                        short h = toBf16(x);
                        buffer.putShort(i * 2, h);
                        x = Float.intBitsToFloat(h << 16);
                    }
                    default -> throw new IllegalArgumentException("dtype " + dtype);
                }
                values[i] = x;
            }
        }

        OnnxTensor tensor(OrtEnvironment env, long[] shape) throws OrtException {
            return OrtAttentionBench.tensor(env, buffer, shape, dtype);
        }
    }

    static OnnxTensor tensor(OrtEnvironment env, ByteBuffer buf, long[] shape, String dtype) throws OrtException {
        return switch (dtype) {
            case "f32" -> OnnxTensor.createTensor(env, buf.asFloatBuffer(), shape);
            case "f16" -> OnnxTensor.createTensor(env, buf.asShortBuffer(), shape, OnnxJavaType.FLOAT16);
            default -> OnnxTensor.createTensor(env, buf.asShortBuffer(), shape, OnnxJavaType.BFLOAT16);
        };
    }

    static float[] read(ByteBuffer buf, String dtype) {
        int n = buf.capacity() / bytes(dtype);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case "f32" -> buf.getFloat(i * 4);
                case "f16" -> Float.float16ToFloat(buf.getShort(i * 2));
                default -> Float.intBitsToFloat(buf.getShort(i * 2) << 16);
            };
        }
        return out;
    }

    static short toBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        bits += 0x7FFF + ((bits >>> 16) & 1);  // round to nearest even (inputs are finite)
        return (short) (bits >>> 16);
    }

    static int bytes(String dtype) {
        return dtype.equals("f32") ? 4 : 2;
    }

    static ByteBuffer direct(long n) {
        return ByteBuffer.allocateDirect(Math.toIntExact(n)).order(ByteOrder.nativeOrder());
    }

    // ---- output ----

    static Map<String, Object> head(Args a, String version, int seq, boolean causal) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("impl", "onnxruntime-java");
        m.put("device", "cpu");
        m.put("dtype", a.dtype());
        m.put("seq", seq);
        m.put("causal", causal);
        return m;
    }

    static String errorLine(Args a, String version, int seq, boolean causal, String error) {
        Map<String, Object> m = head(a, version, seq, causal);
        m.put("threads", a.threads());
        m.put("ort", version);
        m.put("error", error);
        return json(m);
    }

    static String json(Map<String, Object> m) {
        StringBuilder sb = new StringBuilder("{");
        for (var e : m.entrySet()) {
            if (e.getValue() == null) continue;
            if (sb.length() > 1) sb.append(", ");
            sb.append('"').append(e.getKey()).append("\": ").append(value(e.getValue()));
        }
        return sb.append('}').toString();
    }

    static String value(Object v) {
        if (v instanceof Double d) {
            return Double.isFinite(d) ? String.format(Locale.ROOT, "%.6g", d) : '"' + d.toString() + '"';
        }
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        String s = v.toString().replace("\\", "\\\\").replace("\"", "\\\"");
        return '"' + s + '"';
    }

    static String oneLine(String s) {
        return s == null ? "null" : s.replaceAll("\\s+", " ").trim();
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    // ---- arguments ----

    static Args parse(String[] argv) {
        Path modelDir = Path.of("bench/out/onnx");
        int[] seqs = {512, 1024, 2048, 4096};
        String dtype = "f32", causal = "both";
        int batch = 1, heads = 8, headDim = 128, threads = 2, warmup = 3, iters = 10;
        boolean alignment = false;
        long seed = 0;
        for (int i = 0; i < argv.length; i++) {
            String opt = argv[i];
            if (opt.equals("--check-alignment")) {
                alignment = true;
                continue;
            }
            if (i + 1 >= argv.length) throw new IllegalArgumentException("missing value of " + opt);
            String val = argv[++i];
            switch (opt) {
                case "--model-dir" -> modelDir = Path.of(val);
                case "--seqs" -> seqs = Arrays.stream(val.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--dtype" -> dtype = val;
                case "--batch" -> batch = Integer.parseInt(val);
                case "--heads" -> heads = Integer.parseInt(val);
                case "--head-dim" -> headDim = Integer.parseInt(val);
                case "--threads" -> threads = Integer.parseInt(val);
                case "--warmup" -> warmup = Integer.parseInt(val);
                case "--iters" -> iters = Integer.parseInt(val);
                case "--causal" -> causal = val;
                case "--seed" -> seed = Long.parseLong(val);
                default -> throw new IllegalArgumentException("unknown option " + opt);
            }
        }
        if (!List.of("f32", "f16", "bf16").contains(dtype)) throw new IllegalArgumentException("--dtype f32|f16|bf16");
        if (!Files.isDirectory(modelDir)) throw new IllegalArgumentException("no model directory " + modelDir);
        boolean[] causals = switch (causal) {
            case "both" -> new boolean[] {false, true};
            case "yes" -> new boolean[] {true};
            case "no" -> new boolean[] {false};
            default -> throw new IllegalArgumentException("--causal both|yes|no");
        };
        return new Args(modelDir, seqs, dtype, batch, heads, headDim, threads, warmup, iters, causals, alignment, seed);
    }
}
