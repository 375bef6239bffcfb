package io.kernelhub.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.core.DType;
import io.kernelhub.models.hf.HfCheckpointWriter;
import io.kernelhub.models.hf.LlamaCheckpointConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kernelhub make-model}: writes a genuine Hugging Face Llama directory (config.json,
 * generation_config.json, safetensors, a byte-level BPE tokenizer.json) with seeded random
 * weights, for trying {@code generate} and for benchmarks where no weights can be downloaded.
 */
@Command(name = "make-model", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a Hugging Face Llama model directory with seeded random weights and a byte-level "
                + "BPE tokenizer (same seed, same bytes).",
                "Exit 0 ok, 2 bad usage (unknown preset, non-empty directory without --overwrite)."})
final class MakeModelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OUT_DIR", description = "The model directory to write (absent or empty).")
    Path out;

    @Option(names = "--preset", defaultValue = "small", paramLabel = "NAME",
            description = "tiny (hidden 64, 2 layers), small (hidden 512, 6 layers, tied), 1b (hidden 2048, 16 layers, "
                    + "32/8 heads of 64, vocab 32000) (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--dtype", paramLabel = "DTYPE", converter = Converters.DTypeConverter.class,
            description = "Weights dtype f32, bf16 or f16 (default: the preset's).")
    DType dtype;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Weights seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--shard-mb", paramLabel = "MB",
            description = "Split the weights into shards of at most this many MB (model-0000N-of-0000M.safetensors + index).")
    Long shardMb;

    @Option(names = "--overwrite", description = "Replace OUT_DIR when it is not empty.")
    boolean overwrite;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        HfCheckpointWriter.Spec s = switch (preset.toLowerCase(Locale.ROOT)) {
            case "tiny" -> HfCheckpointWriter.tiny(seed);
            case "small" -> HfCheckpointWriter.small(seed);
            case "1b" -> HfCheckpointWriter.oneB(seed);
            default -> throw new IllegalArgumentException("--preset: unknown preset '" + preset + "' (tiny, small, 1b)");
        };
        if (dtype != null) {
            s = s.withDType(dtype);
        }
        if (shardMb != null) {
            if (shardMb < 1) {
                throw new IllegalArgumentException("--shard-mb must be >= 1, got " + shardMb);
            }
            s = s.withMaxShardBytes(shardMb * 1_000_000L);
        }
        HfCheckpointWriter.Written w = HfCheckpointWriter.write(s, out, overwrite);
        LlamaCheckpointConfig c = s.config();
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            ObjectNode j = Json.object();
            j.put("directory", w.directory().toString());
            j.put("preset", preset.toLowerCase(Locale.ROOT));
            j.put("dtype", c.checkpointDType().id());
            j.put("seed", seed);
            j.put("weight_bytes", w.weightBytes());
            j.set("files", Json.strings(w.files().stream().map(p -> p.getFileName().toString()).toList()));
            Json.print(o, j);
        } else {
            o.printf(Locale.ROOT, "wrote %s: llama, hidden %d, %d layers, %d/%d heads of %d, vocab %d, %s, %.1f MB of weights%n",
                    w.directory(), c.hiddenSize(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.vocabSize(),
                    c.checkpointDType().id(), w.weightBytes() / 1e6);
            o.printf("try: ./kernelhub generate %s --prompt \"The hub\" --max-new-tokens 16%n", w.directory());
        }
        o.flush();
        return ExitCodes.OK;
    }
}
