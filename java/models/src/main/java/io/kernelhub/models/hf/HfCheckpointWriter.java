package io.kernelhub.models.hf;

import io.kernelhub.core.DType;
import io.kernelhub.models.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Writes a genuine Hugging Face Llama model directory holding a seeded random model of any size,
 * for tests, benchmarks and the demo (no weights can be downloaded where kernelhub is built):
 * {@code config.json} and {@code generation_config.json} as transformers writes them for a
 * {@code LlamaForCausalLM}, the weights as {@code model.safetensors} (or transformers' shards and
 * index) with transformers' tensor names, shapes and {@code {"format": "pt"}} metadata, and a
 * byte-level BPE tokenizer covering the vocabulary ({@link HfTokenizerWriter}).
 *
 * <p><b>Values.</b> Each tensor's values are uniform with a chosen mean and standard deviation,
 * value {@code i} coming from output {@code i} of {@code SplittableRandom(seed of (spec seed,
 * tensor name))} ({@link SplitMix}): the same spec gives byte-identical files, and blocks are
 * produced in parallel while the file is written, so a checkpoint never sits in memory (the 1B
 * preset, 2.2 GB, writes in about 5 s on 2 cores within a 64 MiB heap). The scales aim at a random model whose
 * activations stay O(1) through every layer and whose logits are well spread, so that greedy
 * decoding has clear winners and a wrong attention result shows:
 * <ul>
 *   <li>RMSNorm weights: 1 ± 0.1 (std), so that a norm that ignores its weight is caught;</li>
 *   <li>embeddings (untied): std 1, so each token's hidden state starts at unit scale;</li>
 *   <li>q/k projections: std {@code sqrt(2 / hidden)}, so normalized inputs give q and k entries
 *       of variance 2 and pre-softmax scores ({@code q·k / sqrt(head_dim)}) of std ≈ 2: attention
 *       is neither uniform nor one-hot;</li>
 *   <li>v, gate and up projections: std {@code 1 / sqrt(fan_in)} (outputs of unit scale);</li>
 *   <li>o and down projections: std {@code 1 / sqrt(fan_in * 2 * layers)}, GPT-2's residual
 *       scaling: the 2·layers updates together add about as much as the embedding, so the
 *       residual stream stays O(1) and every layer still matters;</li>
 *   <li>lm_head: std {@code 4 / sqrt(hidden)}: the final normalized state has unit scale, so the
 *       logits have std ≈ 4 (measured with a float64 forward pass of tiny and oneB: residual
 *       rms 1.0 to 1.2 through the layers, median top-1/top-2 logit gap ≈ 0.7, a gap under 0.05
 *       at under one position in ten);</li>
 *   <li>tied embeddings: the input token's row is also its output row, so a residual stream in
 *       which the embedding shows would make the model predict its own input (a copy loop under
 *       greedy decoding). The shared matrix gets std {@code 1 / sqrt(hidden)} (each row has unit
 *       norm, small beside the layers' updates, which keep the residual scaling above), and the
 *       final norm's weight takes the logit scale instead: mean 4 (± 0.4), so the logits again
 *       have std ≈ 4 and the input token's logit is only about one std above the others.</li>
 *   <li>biases (when the config has them): std 0.1, so that a dropped bias shows.</li>
 * </ul>
 *
 * <p><b>Writing.</b> Everything is written into a temporary sibling directory and renamed into
 * place, so no reader ever sees a half-written model, and a failed write leaves the target as it
 * was. A non-empty target is refused unless {@code overwrite} is asked for, which replaces it
 * whole (the old directory is renamed aside, then deleted; between the two renames the path
 * briefly does not exist).
 */
public final class HfCheckpointWriter {

    /** transformers' default {@code max_shard_size} ("5GB"). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;
    /** The transformers release whose files these imitate (written as {@code transformers_version}). */
    public static final String TRANSFORMERS_VERSION = "4.46.3";
    /**
     * Bumped whenever the same spec would give different bytes (scales, generator, layout), so
     * callers that cache written directories by spec (the demo) know to write a new one.
     */
    public static final int WEIGHTS_VERSION = 2;

    /** Logit std the lm_head init aims at. */
    static final double LOGIT_STD = 4.0;
    static final double NORM_STD = 0.1;
    static final double BIAS_STD = 0.1;
    /** Pre-softmax score variance the q/k init aims at. */
    static final double SCORE_VARIANCE = 2.0;

    private HfCheckpointWriter() {
    }

    /**
     * What to write.
     *
     * @param config        the model; {@code checkpointDType} is the dtype the weights are saved in
     * @param seed          the only source of the values
     * @param maxShardBytes transformers' {@code max_shard_size}: one file when the weights fit
     * @param bosTokenId    written to the configs and the tokenizer
     * @param eosTokenId    written to the configs and the tokenizer
     */
    public record Spec(LlamaCheckpointConfig config, long seed, long maxShardBytes, int bosTokenId, int eosTokenId) {
        public Spec {
            Objects.requireNonNull(config, "config");
            if (config.checkpointDType() == null) {
                throw new IllegalArgumentException("config.checkpointDType() is the dtype to save (F32, BF16 or F16); "
                        + "it is null");
            }
            if (!"silu".equals(config.hiddenAct())) {
                throw new IllegalArgumentException("only hidden_act 'silu' is written, got '" + config.hiddenAct() + "'");
            }
            if (config.heads() % config.kvHeads() != 0 || config.headDim() % 2 != 0) {
                throw new IllegalArgumentException("heads (" + config.heads() + ") must be a multiple of kv heads ("
                        + config.kvHeads() + ") and head_dim (" + config.headDim() + ") even");
            }
            if (maxShardBytes <= 0) {
                throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
            }
            // the tokenizer's checks (vocab size, distinct ids in range) apply to the model as well
            new HfTokenizerWriter.Spec(config.vocabSize(), bosTokenId, eosTokenId, config.maxPositions());
        }

        /** {@code config} with transformers' shard size and BOS/EOS at the last two ids. */
        public static Spec of(LlamaCheckpointConfig config, long seed) {
            return new Spec(config, seed, DEFAULT_MAX_SHARD_BYTES, config.vocabSize() - 2, config.vocabSize() - 1);
        }

        /** The same model saved in another dtype. */
        public Spec withDType(DType dtype) {
            LlamaCheckpointConfig c = config;
            return withConfig(new LlamaCheckpointConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.layers(),
                    c.heads(), c.kvHeads(), c.headDim(), c.maxPositions(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(),
                    c.tieWordEmbeddings(), c.attentionBias(), c.mlpBias(), c.hiddenAct(), Objects.requireNonNull(dtype)));
        }

        public Spec withConfig(LlamaCheckpointConfig newConfig) {
            return new Spec(newConfig, seed, maxShardBytes, bosTokenId, eosTokenId);
        }

        public Spec withSeed(long newSeed) {
            return new Spec(config, newSeed, maxShardBytes, bosTokenId, eosTokenId);
        }

        public Spec withMaxShardBytes(long bytes) {
            return new Spec(config, seed, bytes, bosTokenId, eosTokenId);
        }

        public Spec withSpecialTokens(int bos, int eos) {
            return new Spec(config, seed, maxShardBytes, bos, eos);
        }
    }

    /**
     * For unit tests: vocab 512, hidden 64, 2 layers, 4 query / 2 KV heads of 16, f32, untied;
     * about 0.2 MB.
     */
    public static Spec tiny(long seed) {
        return Spec.of(new LlamaCheckpointConfig(512, 64, 176, 2, 4, 2, 16, 128, 1e-5, 10000.0, new RopeScaling.None(),
                false, false, false, "silu", DType.F32), seed);
    }

    /**
     * A small but real-shaped model: vocab 8192, hidden 512, 6 layers, 8 query / 4 KV heads of 64,
     * SwiGLU 1408, tied embeddings, bf16; about 45 MB.
     */
    public static Spec small(long seed) {
        return Spec.of(new LlamaCheckpointConfig(8192, 512, 1408, 6, 8, 4, 64, 1024, 1e-5, 10000.0,
                new RopeScaling.None(), true, false, false, "silu", DType.BF16), seed);
    }

    /**
     * The benchmark shape, Llama 3.2 1B's layers with a 32k vocabulary: hidden 2048, 16 layers,
     * 32 query / 8 KV heads of 64, SwiGLU 8192, 2048 positions, rope theta 500000, untied, bf16;
     * 1.1 B parameters, about 2.2 GB. No rope scaling: within 2048 positions Llama 3's scaling
     * changes little, and Jlama (the benchmark's peer) applies only linear scaling, so without it
     * both engines compute the same function on this checkpoint.
     */
    public static Spec oneB(long seed) {
        return Spec.of(new LlamaCheckpointConfig(32000, 2048, 8192, 16, 32, 8, 64, 2048, 1e-5, 500000.0,
                new RopeScaling.None(), false, false, false, "silu", DType.BF16), seed);
    }

    /**
     * One tensor of the checkpoint and the distribution of its random values.
     *
     * @param name  transformers' state-dict name
     * @param shape as saved (nn.Linear weights are {@code [out_features, in_features]})
     * @param mean  of the uniform init
     * @param std   of the uniform init
     */
    public record Weight(String name, long[] shape, double mean, double std) {
        public Weight {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public long numel() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    /** The tensors a {@code LlamaForCausalLM} saves, in its state-dict order (which decides sharding). */
    public static List<Weight> weights(LlamaCheckpointConfig c) {
        long hidden = c.hiddenSize();
        long q = (long) c.heads() * c.headDim();
        long kv = (long) c.kvHeads() * c.headDim();
        long inter = c.intermediateSize();
        double residual = 1.0 / Math.sqrt(2.0 * c.layers());
        double qk = Math.sqrt(SCORE_VARIANCE / hidden);
        double head = LOGIT_STD / Math.sqrt(hidden);
        List<Weight> w = new ArrayList<>();
        // tied: a small shared embedding, the logit scale in the final norm (class javadoc)
        w.add(new Weight("model.embed_tokens.weight", new long[] {c.vocabSize(), hidden}, 0,
                c.tieWordEmbeddings() ? 1 / Math.sqrt(hidden) : 1.0));
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            linear(w, p + "self_attn.q_proj", q, hidden, qk, c.attentionBias());
            linear(w, p + "self_attn.k_proj", kv, hidden, qk, c.attentionBias());
            linear(w, p + "self_attn.v_proj", kv, hidden, 1 / Math.sqrt(hidden), c.attentionBias());
            linear(w, p + "self_attn.o_proj", hidden, q, residual / Math.sqrt(q), c.attentionBias());
            linear(w, p + "mlp.gate_proj", inter, hidden, 1 / Math.sqrt(hidden), c.mlpBias());
            linear(w, p + "mlp.up_proj", inter, hidden, 1 / Math.sqrt(hidden), c.mlpBias());
            linear(w, p + "mlp.down_proj", hidden, inter, residual / Math.sqrt(inter), c.mlpBias());
            w.add(new Weight(p + "input_layernorm.weight", new long[] {hidden}, 1, NORM_STD));
            w.add(new Weight(p + "post_attention_layernorm.weight", new long[] {hidden}, 1, NORM_STD));
        }
        double finalNorm = c.tieWordEmbeddings() ? LOGIT_STD : 1;
        w.add(new Weight("model.norm.weight", new long[] {hidden}, finalNorm, finalNorm * NORM_STD));
        if (!c.tieWordEmbeddings()) {
            w.add(new Weight("lm_head.weight", new long[] {c.vocabSize(), hidden}, 0, head));
        }
        return List.copyOf(w);
    }

    private static void linear(List<Weight> w, String name, long out, long in, double std, boolean bias) {
        w.add(new Weight(name + ".weight", new long[] {out, in}, 0, std));
        if (bias) {
            w.add(new Weight(name + ".bias", new long[] {out}, 0, BIAS_STD));
        }
    }

    /** A uniform distribution of std s spans mean ± sqrt(3)·s. */
    private static final double HALF_WIDTH = Math.sqrt(3);

    /**
     * What was written.
     *
     * @param directory   the model directory
     * @param files       every file in it, sorted by name
     * @param weightBytes bytes of tensor data (the index's {@code total_size})
     */
    public record Written(Path directory, List<Path> files, long weightBytes) {
        public Written {
            files = List.copyOf(files);
        }
    }

    /** Writes into {@code dir}, which must be absent or empty. */
    public static Written write(Spec spec, Path dir) {
        return write(spec, dir, false);
    }

    /**
     * Writes the model directory {@code dir}.
     *
     * @param overwrite replace {@code dir} when it is not empty (its old contents are deleted)
     * @throws IllegalArgumentException when {@code dir} is a file, or not empty and {@code overwrite} is false
     * @throws UncheckedIOException     when writing fails (the target is then untouched)
     */
    public static Written write(Spec spec, Path dir, boolean overwrite) {
        Objects.requireNonNull(spec, "spec");
        Path target = dir.toAbsolutePath().normalize();
        boolean replace = checkTarget(target, overwrite);
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tmp-");
            long weightBytes = writeContents(spec, tmp);
            makeReadable(tmp);
            install(tmp, target, replace);
            tmp = null;
            List<Path> files;
            try (Stream<Path> list = Files.list(target)) {
                files = list.sorted().toList();
            }
            return new Written(target, files, weightBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model directory " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    /** Whether an existing non-empty target is to be replaced; refuses what must not be touched. */
    private static boolean checkTarget(Path target, boolean overwrite) {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException(target + ": exists and is not a directory; a model directory is "
                    + "written there: choose another path");
        }
        List<String> names;
        try (Stream<Path> list = Files.list(target)) {
            names = list.map(p -> p.getFileName().toString()).sorted().limit(4).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + target + ": " + e.getMessage(), e);
        }
        if (!names.isEmpty() && !overwrite) {
            throw new IllegalArgumentException(target + ": not empty (holds " + String.join(", ", names)
                    + (names.size() == 4 ? ", ..." : "") + "); choose an empty or new directory, or ask to overwrite it");
        }
        return !names.isEmpty();
    }

    private static long writeContents(Spec spec, Path dir) {
        LlamaCheckpointConfig c = spec.config();
        HfTokenizerWriter.writeAtomically(dir.resolve(HfModelConfigs.CONFIG), PythonJson.dumps(configJson(spec), true));
        HfTokenizerWriter.writeAtomically(dir.resolve(HfModelConfigs.GENERATION_CONFIG),
                PythonJson.dumps(generationConfigJson(spec), true));
        HfTokenizerWriter.write(new HfTokenizerWriter.Spec(c.vocabSize(), spec.bosTokenId(), spec.eosTokenId(),
                c.maxPositions()), dir);
        SafetensorsWriter weights = new SafetensorsWriter().metadata("format", "pt");
        for (Weight w : weights(c)) {
            long tensorSeed = SplitMix.seedFor(spec.seed(), w.name());
            double low = w.mean() - HALF_WIDTH * w.std();
            double width = 2 * HALF_WIDTH * w.std();
            weights.addGenerated(w.name(), c.checkpointDType(), (from, out, count) -> {
                for (int i = 0; i < count; i++) {
                    out[i] = (float) (low + width * SplitMix.unit(SplitMix.at(tensorSeed, from + i)));
                }
            }, w.shape());
        }
        weights.writeCheckpoint(dir, spec.maxShardBytes());
        return weights.dataBytes();
    }

    /** The fields transformers' LlamaConfig writes (to_diff_dict keeps every Llama field). */
    static Map<String, Object> configJson(Spec spec) {
        LlamaCheckpointConfig c = spec.config();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("architectures", List.of("LlamaForCausalLM"));
        j.put("attention_bias", c.attentionBias());
        j.put("attention_dropout", 0.0);
        j.put("bos_token_id", spec.bosTokenId());
        j.put("eos_token_id", spec.eosTokenId());
        j.put("head_dim", c.headDim());
        j.put("hidden_act", c.hiddenAct());
        j.put("hidden_size", c.hiddenSize());
        j.put("initializer_range", 0.02);
        j.put("intermediate_size", c.intermediateSize());
        j.put("max_position_embeddings", c.maxPositions());
        j.put("mlp_bias", c.mlpBias());
        j.put("model_type", LlamaCheckpointConfig.MODEL_TYPE);
        j.put("num_attention_heads", c.heads());
        j.put("num_hidden_layers", c.layers());
        j.put("num_key_value_heads", c.kvHeads());
        j.put("pretraining_tp", 1);
        j.put("rms_norm_eps", c.rmsNormEps());
        j.put("rope_scaling", switch (c.ropeScaling()) {
            case RopeScaling.None n -> null;
            case RopeScaling.Llama3 s -> {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("factor", s.factor());
                r.put("high_freq_factor", s.highFreqFactor());
                r.put("low_freq_factor", s.lowFreqFactor());
                r.put("original_max_position_embeddings", s.originalMaxPositions());
                r.put("rope_type", "llama3");
                yield r;
            }
        });
        j.put("rope_theta", c.ropeTheta());
        j.put("tie_word_embeddings", c.tieWordEmbeddings());
        j.put("torch_dtype", switch (c.checkpointDType()) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        });
        j.put("transformers_version", TRANSFORMERS_VERSION);
        j.put("use_cache", true);
        j.put("vocab_size", c.vocabSize());
        return j;
    }

    /** GenerationConfig.from_model_config's diff: the special tokens; greedy decoding by default. */
    static Map<String, Object> generationConfigJson(Spec spec) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("_from_model_config", true);
        j.put("bos_token_id", spec.bosTokenId());
        j.put("eos_token_id", spec.eosTokenId());
        j.put("transformers_version", TRANSFORMERS_VERSION);
        return j;
    }

    /**
     * Temporary files and directories are created owner-only; a model directory is made readable
     * like one made by mkdir and transformers (rwxr-xr-x, files rw-r--r--), where permissions are POSIX.
     */
    private static void makeReadable(Path dir) throws IOException {
        if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
    }

    /**
     * Renames the finished temporary directory to the target. A non-empty target is first renamed
     * aside (and restored if the second rename fails); an empty one is replaced by the rename itself.
     */
    private static void install(Path tmp, Path target, boolean replace) throws IOException {
        if (!replace) {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (DirectoryNotEmptyException e) {
                throw new IllegalArgumentException(target + ": became non-empty while the model was written; nothing "
                        + "was replaced", e);
            }
            return;
        }
        Path old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old-");
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        deleteTree(old);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort: a leftover temporary directory is visible (a dot name) and harmless
        }
    }
}
