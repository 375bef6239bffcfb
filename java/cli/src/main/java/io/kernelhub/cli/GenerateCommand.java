package io.kernelhub.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.core.DType;
import io.kernelhub.hub.HubFiles;
import io.kernelhub.models.AutoModel;
import io.kernelhub.models.CausalLM;
import io.kernelhub.models.ModelOptions;
import io.kernelhub.models.generate.GenerationConfig;
import io.kernelhub.models.generate.GenerationListener;
import io.kernelhub.models.generate.GenerationResult;
import io.kernelhub.models.generate.Generator;
import io.kernelhub.models.generate.Sampling;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kernelhub generate}: loads a Hugging Face model directory and generates text (or token
 * ids) with the KV cache, on any attention implementation. Text streams to stdout as it is
 * generated; timings go to stderr, or everything into one JSON object with {@code --json}.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate from a Hugging Face model directory (config.json, safetensors weights, "
                + "optional tokenizer.json) with a KV cache, through any attention implementation.",
                "Exit 0 ok, 2 bad usage or input (missing/damaged files, unknown implementation, prompt too long)."})
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "A Hugging Face model directory.")
    Path modelDir;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptInput input;

    static final class PromptInput {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text (needs tokenizer.json).")
        String text;

        @Option(names = "--tokens", paramLabel = "IDS", split = ",", description = "Prompt token ids, comma-separated.")
        int[] tokens;
    }

    @Option(names = "--max-new-tokens", paramLabel = "N",
            description = "Tokens to generate at most (default: generation_config.json's max_new_tokens, else 32).")
    Integer maxNewTokens;

    @Option(names = "--impl", paramLabel = "NAME|KEY=NAME,...", defaultValue = "sdpa",
            description = "Attention implementation: a name (eager, sdpa), alias or hub id org/name[@version][:op]; "
                    + "or per backbone, e.g. vision=eager,text=sdpa (default: ${DEFAULT-VALUE}).")
    String impl;

    @Option(names = "--greedy", description = "Always pick the most likely token (the default unless "
            + "generation_config.json says do_sample).")
    boolean greedy;

    @Option(names = "--temperature", paramLabel = "T", description = "Sample with this temperature.")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample among the K most likely tokens (0 = all).")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P", description = "Sample among the most likely tokens whose probability reaches P.")
    Double topP;

    @Option(names = "--repetition-penalty", paramLabel = "R",
            description = "Penalize tokens already in the sequence (1 = off; default: generation_config.json's).")
    Double repetitionPenalty;

    @Option(names = "--ignore-eos", description = "Do not stop at end-of-sequence ids: always generate "
            + "--max-new-tokens tokens (benchmarks).")
    boolean ignoreEos;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", paramLabel = "DTYPE", converter = Converters.DTypeConverter.class,
            description = "Compute dtype f32, bf16 or f16 (default: the checkpoint's torch_dtype).")
    DType dtype;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for the model's products (default: all cores).")
    Integer threads;

    @Option(names = "--save-logits", paramLabel = "FILE.npy",
            description = "Write the prefill logits of every prompt position as float32 [prompt_len, vocab].")
    Path saveLogits;

    @Option(names = "--json", description = "Print one JSON object instead of streaming text.")
    boolean json;

    @Override
    public Integer call() {
        if (greedy && (temperature != null || topK != null || topP != null)) {
            throw new IllegalArgumentException("--greedy cannot be combined with --temperature, --top-k or --top-p");
        }
        if (maxNewTokens != null && maxNewTokens < 0) {
            throw new IllegalArgumentException("--max-new-tokens must be >= 0, got " + maxNewTokens);
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        ModelOptions options = ModelOptions.defaults().withAttnImplementation(implementations(impl));
        if (dtype != null) {
            options = options.withDtype(dtype);
        }
        if (threads != null) {
            options = options.withThreads(threads);
        }
        long load0 = System.nanoTime();
        try (CausalLM model = AutoModel.fromPretrained(modelDir, options)) {
            long loadNanos = System.nanoTime() - load0;
            return run(model, loadNanos);
        } catch (OutOfMemoryError e) {
            throw new IllegalArgumentException("not enough memory for this model (" + e.getMessage()
                    + "); use a smaller dtype, fewer tokens or give java a larger -Xmx");
        }
    }

    private int run(CausalLM model, long loadNanos) {
        PromptText prompt = PromptText.of(model, modelDir, input.text, input.tokens);
        GenerationConfig config = generationConfig(model);
        PrintWriter out = spec.commandLine().getOut();
        PromptText.Stream stream = prompt.stream();
        GenerationListener listener = json ? GenerationListener.NONE : id -> {
            out.print(stream.next(id));
            out.flush();
        };
        if (!json) {
            out.print(prompt.echo());
            out.flush();
        }
        GenerationResult result = Generator.generate(model, prompt.ids(), config, listener);
        if (saveLogits != null) {
            writeLogits(result.promptLogits(), model.vocabSize());
        }
        String text = prompt.decode(result.tokens());
        if (json) {
            Json.print(out, report(model, result, text, loadNanos));
        } else {
            out.println(stream.finish());
            out.flush();
            PrintWriter err = spec.commandLine().getErr();
            err.printf(Locale.ROOT, "[%s, %s, %d threads: %d prompt tokens at %.1f tok/s, %d new at %.1f tok/s, stop: %s]%n",
                    model.attnImplementations().get(""), model.dtype().id(), model.threads(),
                    result.promptTokens().length, result.prefillTokensPerSecond(), result.tokens().length,
                    result.decodeTokensPerSecond(), result.stopReason().id());
            err.flush();
        }
        return ExitCodes.OK;
    }

    private GenerationConfig generationConfig(CausalLM model) {
        GenerationConfig c = GenerationConfig.from(model.generationDefaults(), 32);
        if (maxNewTokens != null) {
            c = c.withMaxNewTokens(maxNewTokens);
        }
        if (greedy) {
            c = c.withSampling(new Sampling.Greedy());
        } else if (temperature != null || topK != null || topP != null) {
            var d = model.generationDefaults();
            c = c.withSampling(new Sampling.Sample(temperature != null ? temperature : d.temperature(),
                    topK != null ? topK : d.topK(), topP != null ? topP : d.topP()));
        }
        if (repetitionPenalty != null) {
            c = c.withRepetitionPenalty(repetitionPenalty);
        }
        if (ignoreEos) {
            c = c.withEosTokenIds(List.of());
        }
        return c.withSeed(seed).withPromptLogits(saveLogits != null);
    }

    /** {@code NAME} for every backbone, or {@code KEY=NAME,KEY=NAME} per backbone. */
    static Map<String, String> implementations(String spec) {
        Map<String, String> m = new LinkedHashMap<>();
        if (!spec.contains("=")) {
            m.put("", spec.strip());
            return m;
        }
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                throw new IllegalArgumentException("--impl: '" + part + "' is not KEY=NAME (e.g. vision=eager,text=sdpa)");
            }
            m.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
        }
        return m;
    }

    private void writeLogits(float[][] logits, int vocab) {
        float[] flat = new float[logits.length * vocab];
        for (int i = 0; i < logits.length; i++) {
            System.arraycopy(logits[i], 0, flat, i * vocab, vocab);
        }
        try {
            OutputFiles.createParents(saveLogits);
            HubFiles.writeAtomically(saveLogits.toAbsolutePath(),
                    out -> NpyWriter.writeFloat32(out, flat, logits.length, vocab));
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + saveLogits + ": " + e.getMessage(), e);
        }
    }

    private ObjectNode report(CausalLM model, GenerationResult r, String text, long loadNanos) {
        ObjectNode o = Json.object();
        o.put("model_type", model.modelType());
        o.put("impl", model.attnImplementations().get(""));
        o.put("dtype", model.dtype().id());
        o.put("threads", model.threads());
        ArrayNode prompt = o.putArray("prompt_tokens");
        for (int id : r.promptTokens()) {
            prompt.add(id);
        }
        ArrayNode tokens = o.putArray("tokens");
        for (int id : r.tokens()) {
            tokens.add(id);
        }
        if (text == null) {
            o.putNull("text");
        } else {
            o.put("text", text);
        }
        o.put("stop_reason", r.stopReason().id());
        o.put("load_ms", loadNanos / 1e6);
        o.put("prefill_ms", r.prefillNanos() / 1e6);
        o.put("prefill_tokens_per_s", r.prefillTokensPerSecond());
        o.put("decode_steps", r.decodeSteps());
        o.put("decode_ms", r.decodeNanos() / 1e6);
        o.put("decode_tokens_per_s", r.decodeTokensPerSecond());
        Json.putNumberOrNull(o, "peak_rss_mb", PeakMemory.peakRssMegabytes());
        return o;
    }

    static List<String> keys() {
        return List.of("model_type", "impl", "dtype", "prompt_tokens", "tokens", "text", "prefill_ms",
                "prefill_tokens_per_s", "decode_tokens_per_s", "peak_rss_mb");
    }
}
