package io.kernelhub.bench.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * The Jlama peer of bench/models.sh: loads a Hugging Face Llama directory with Jlama's own loader
 * ({@link ModelSupport#loadModel}), runs a prefill of the given token ids and a greedy decode, and prints one JSON
 * line on stdout (everything else, Jlama's logging included, goes to stderr).
 *
 * <pre>
 * JlamaBench MODEL_DIR --tokens 1,2,3,... [--max-new-tokens 128] [--threads 2] [--dtype auto|f32|bf16]
 *            [--warmup N]
 *            [--logits-out FILE]
 * </pre>
 *
 * What is timed, with the prompt fed as token ids (Jlama's tokenizer is loaded, as its loader requires, but
 * only used to decode the generated ids into "text"; no BOS is added):
 * <ul>
 * <li>prefill: {@code AbstractModel.batchForward(prompt, 0, kv)} (Jlama splits the prompt into batches of
 * jlama.max_batch_size = 256 tokens) plus the final norm, the LM head and the argmax of the last position: the
 * time to the first generated token. {@code prefill_forward_ms} is the batchForward part alone.
 * <li>decode: each further token is {@code forward(token, pos, kv)} + {@code sample(.., temperature 0)} (argmax
 * over the full LM head), exactly Jlama's own generate loop; decode_tokens_per_s = (new tokens - 1) / their
 * time. EOS does not stop the run (random weights; every run generates max-new-tokens).
 * </ul>
 * Weights stay in the checkpoint's dtype (no quantization): Jlama mmaps the safetensors file; the working
 * memory (activations, KV cache) dtype is the checkpoint's (F32 or BF16) unless --dtype says otherwise. Jlama
 * then quantizes the matmul inputs to that same dtype (AbstractModel forces workingQType = model dtype for F32
 * and BF16 checkpoints), so F32 runs F32 x F32 and BF16 runs BF16 x BF16 products.
 *
 * <p>Threads. Jlama's matmuls, attention and norms run on {@link PhysicalCoreExecutor}'s ForkJoinPool, whose
 * size is max(2, availableProcessors / 2) unless {@code PhysicalCoreExecutor.overrideThreadCount(n)} is called
 * before first use: this passes {@code threadCount = Optional.of(threads)} to {@code ModelSupport.loadModel},
 * which does exactly that. A few loops (MLP activation, layer loading) are plain parallel streams started
 * from the main thread, i.e. the common ForkJoinPool plus the caller: the common pool's parallelism is set to
 * threads - 1 (the caller makes it threads) below, before anything touches ForkJoinPool, unless
 * -Djava.util.concurrent.ForkJoinPool.common.parallelism was given on the command line (models.sh gives it).
 */
public final class JlamaBench {

    public static void main(String[] args) throws Exception {
        String dir = null;
        int[] prompt = null;
        int maxNew = 128;
        int threads = 2;
        String dtypeArg = "auto";
        int warmup = 0;
        String logitsOut = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tokens" -> prompt = parseIds(args[++i]);
                case "--tokens-file" -> prompt = parseIds(Files.readString(Path.of(args[++i])).trim());
                case "--max-new-tokens" -> maxNew = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--dtype" -> dtypeArg = args[++i].toLowerCase(Locale.ROOT);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--logits-out" -> logitsOut = args[++i];
                default -> {
                    if (args[i].startsWith("--") || dir != null) usage("unknown argument " + args[i]);
                    dir = args[i];
                }
            }
        }
        if (dir == null || prompt == null || prompt.length == 0 || maxNew < 2 || threads < 1) {
            usage("need MODEL_DIR, --tokens and --max-new-tokens >= 2");
        }
        // Before anything uses ForkJoinPool (the common pool reads this once, when it is created).
        if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
            System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", String.valueOf(Math.max(1, threads - 1)));
        }

        File modelDir = new File(dir);
        DType checkpoint = checkpointDType(modelDir);
        DType working = switch (dtypeArg) {
            case "auto" -> checkpoint;
            case "f32" -> DType.F32;
            case "bf16" -> DType.BF16;
            default -> throw usage("--dtype must be auto, f32 or bf16");
        };

        long l0 = System.nanoTime();
        AbstractModel model = ModelSupport.loadModel(
            AbstractModel.InferenceType.FULL_GENERATION,
            modelDir,
            null,                 // no working directory: KV cache in memory
            working,              // working memory (activations, KV cache)
            working,              // working quantization: none beyond the working dtype
            Optional.empty(),     // model quantization: none, weights as stored
            Optional.of(threads), // PhysicalCoreExecutor.overrideThreadCount(threads)
            Optional.empty(),
            SafeTensorSupport::loadWeights
        );
        long loadNs = System.nanoTime() - l0;
        int vocab = model.getConfig().vocabularySize;

        for (int w = 0; w < warmup; w++) {
            int[] wp = Arrays.copyOf(prompt, Math.min(prompt.length, 64));
            run(model, wp, 8, null);
        }

        Result r = run(model, prompt, maxNew, logitsOut);
        int decoded = maxNew - 1;
        StringBuilder text = new StringBuilder();
        try {
            for (int t : r.tokens) text.append(model.getTokenizer().decode(t));
        } catch (RuntimeException e) {
            text.setLength(0);
        }

        double prefillMs = r.prefillNs / 1e6;
        StringBuilder json = new StringBuilder();
        json.append('{');
        field(json, "impl", str("jlama"));
        field(json, "jlama_version", str(jlamaVersion()));
        field(json, "model_type", str("llama"));
        field(json, "checkpoint_dtype", str(checkpoint.name().toLowerCase(Locale.ROOT)));
        field(json, "dtype", str(working.name().toLowerCase(Locale.ROOT)));
        field(json, "tensor_ops", str(TensorOperationsProvider.get().name()));
        field(json, "threads", String.valueOf(PhysicalCoreExecutor.instance.get().getCoreCount()));
        field(json, "common_pool_parallelism", String.valueOf(java.util.concurrent.ForkJoinPool.getCommonPoolParallelism()));
        field(json, "warmup", String.valueOf(warmup));
        field(json, "prompt_tokens", String.valueOf(prompt.length));
        field(json, "new_tokens", String.valueOf(r.tokens.size()));
        field(json, "load_ms", fmt(loadNs / 1e6));
        field(json, "prefill_ms", fmt(prefillMs));
        field(json, "prefill_forward_ms", fmt(r.prefillForwardNs / 1e6));
        field(json, "prefill_tokens_per_s", fmt(prompt.length / (r.prefillNs / 1e9)));
        field(json, "decode_ms", fmt(r.decodeNs / 1e6));
        field(json, "decode_tokens", String.valueOf(decoded));
        field(json, "decode_tokens_per_s", fmt(decoded / (r.decodeNs / 1e9)));
        field(json, "vocab_size", String.valueOf(vocab));
        field(json, "peak_rss_mb", fmt(peakRssMb()));
        field(json, "tokens", r.tokens.toString().replace(" ", ""));
        field(json, "text", str(text.toString()));
        json.setLength(json.length() - 1);
        json.append('}');
        System.out.println(json);
        System.out.flush();
        // Jlama's executor threads are not daemons
        System.exit(0);
    }

    private record Result(long prefillForwardNs, long prefillNs, long decodeNs, List<Integer> tokens) {}

    /** Prefill (to the first token) and greedy decode of maxNew tokens on a fresh KV cache. */
    private static Result run(AbstractModel model, int[] prompt, int maxNew, String logitsOut) throws IOException {
        KvBufferCache cache = new KvBufferCache(model);
        List<Integer> tokens = new ArrayList<>(maxNew);
        try (KvBufferCache.KvBuffer kv = cache.getKvBuffer(UUID.randomUUID());
             AbstractTensor logits = model.makeDenseTensor(model.getConfig().vocabularySize)) {
            long t0 = System.nanoTime();
            AbstractTensor last = model.batchForward(prompt, 0, kv);
            long t1 = System.nanoTime();
            int next = model.sample(last.slice(last.shape().first() - 1), 0.0f, 0.0f, logits);
            last.close();
            long t2 = System.nanoTime();
            tokens.add(next);
            if (logitsOut != null) {
                // the first token's raw logits (sample() leaves them in the buffer at temperature 0), one a line
                StringBuilder b = new StringBuilder();
                for (int v = 0; v < model.getConfig().vocabularySize; v++) b.append(logits.get(0, v)).append('\n');
                Files.writeString(Path.of(logitsOut), b);
            }
            long d0 = System.nanoTime(); // decode starts here (the dump above is not timed)
            kv.setCurrentContextPosition(prompt.length);
            for (int i = 1; i < maxNew; i++) {
                AbstractTensor out = model.forward(next, prompt.length + i - 1, kv, Optional.empty());
                next = model.sample(out, 0.0f, 0.0f, logits);
                out.close();
                kv.incrementContextPosition();
                tokens.add(next);
            }
            long t3 = System.nanoTime();
            return new Result(t1 - t0, t2 - t0, t3 - d0, tokens);
        } finally {
            cache.close();
        }
    }

    /** The dtype of the checkpoint's tensors (Jlama itself takes the first tensor's; all must agree). */
    private static DType checkpointDType(File dir) throws IOException {
        var loader = SafeTensorSupport.loadWeights(dir);
        try {
            return loader.getModelDType();
        } finally {
            try {
                loader.close();
            } catch (Exception ignored) {
                // read-only mmaps
            }
        }
    }

    private static int[] parseIds(String s) {
        return Arrays.stream(s.split("[,\\s]+")).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    private static String jlamaVersion() {
        try (InputStream in = AbstractModel.class.getResourceAsStream("/META-INF/maven/com.github.tjake/jlama-core/pom.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** VmHWM: the process's peak resident set (the mmapped weights it touched included). */
    private static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return -1;
    }

    private static void field(StringBuilder json, String key, String value) {
        json.append('"').append(key).append("\":").append(value).append(',');
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    private static IllegalArgumentException usage(String why) {
        System.err.println("JlamaBench: " + why);
        System.err.println("usage: JlamaBench MODEL_DIR --tokens ID,ID,... [--max-new-tokens 128] [--threads 2] "
            + "[--dtype auto|f32|bf16] [--warmup N] [--logits-out FILE]");
        System.exit(2);
        return new IllegalArgumentException(why);
    }
}
