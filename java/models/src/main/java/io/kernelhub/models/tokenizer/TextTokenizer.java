package io.kernelhub.models.tokenizer;

import ai.djl.engine.EngineException;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kernelhub.models.hf.HfConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model directory's {@code tokenizer.json} (whatever Hugging Face fast tokenizer it describes),
 * run by the reference Rust implementation through DJL's binding, so that token ids are the ones
 * transformers' fast tokenizers give.
 *
 * <p>Loading sets a few JVM-wide system properties before DJL's first use, its one global effect
 * ({@link DjlSettings}): DJL's native library goes to {@code KERNELHUB_HOME/cache/djl} (not
 * {@code ~/.djl.ai}) and JNA's to {@code KERNELHUB_HOME/cache/jna}, and DJL's telemetry is
 * switched off; values the user set are kept. DJL's own defaults of truncating to 512 tokens and
 * padding are switched off: every token of a prompt is kept.
 *
 * <p>The native tokenizer is freed by {@link #close()}; use after close is an
 * {@link IllegalStateException}. Close must not race a call in progress.
 */
public final class TextTokenizer implements AutoCloseable {

    /** The file a model directory keeps its tokenizer in. */
    public static final String FILE = "tokenizer.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** No truncation (DJL's default cuts at 512 tokens and warns), no padding; special tokens per call. */
    private static final Map<String, String> OPTIONS = Map.of("truncation", "false", "padding", "false",
            "addSpecialTokens", "true");

    private final Path file;
    private final int vocabSize;
    private final HuggingFaceTokenizer tokenizer;
    private volatile boolean closed;

    private TextTokenizer(Path file, int vocabSize, HuggingFaceTokenizer tokenizer) {
        this.file = file;
        this.vocabSize = vocabSize;
        this.tokenizer = tokenizer;
    }

    /**
     * The tokenizer of a model directory, or empty when it has no {@value #FILE} (token ids still
     * work without one).
     *
     * @throws HfConfigException when the file is there but cannot be used
     */
    public static Optional<TextTokenizer> fromModelDir(Path dir) {
        Path file = dir.resolve(FILE);
        return Files.notExists(file) ? Optional.empty() : Optional.of(open(file));
    }

    /**
     * Loads a {@code tokenizer.json}.
     *
     * @throws HfConfigException naming the file when it is missing, unreadable, not JSON, or not a
     *                           tokenizer the tokenizers library can load
     */
    public static TextTokenizer open(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new HfConfigException(file, "missing");
        } catch (CharacterCodingException e) {
            throw new HfConfigException(file, "is not UTF-8 text; the file is damaged: download it again");
        } catch (IOException e) {
            throw new HfConfigException(file, "cannot read: " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new HfConfigException(file, "not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + "): " + oneLine(e.getOriginalMessage())
                    + "; the file is damaged: download it again");
        }
        int vocabSize = vocabSize(file, root);
        DjlSettings.apply();
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), OPTIONS);
        } catch (EngineException e) {
            throw new IllegalStateException("the Hugging Face tokenizers native library cannot be loaded on "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ": "
                    + oneLine(String.valueOf(e.getCause() == null ? e.getMessage() : e.getCause().getMessage())), e);
        } catch (IOException | RuntimeException e) {
            // the Rust library's serde error, e.g. "data did not match any variant of untagged enum ModelUntagged at line 1 column 12"
            throw new HfConfigException(file, "the tokenizers library cannot load it: " + oneLine(e.getMessage())
                    + "; the file is damaged or written by a newer tokenizers release", e);
        }
        return new TextTokenizer(file, vocabSize, tokenizer);
    }

    /**
     * One more than the largest id of the model's vocabulary and the added tokens (a vocabulary
     * object maps tokens to ids; Unigram's is a list whose index is the id).
     */
    private static int vocabSize(Path file, JsonNode root) {
        if (!root.isObject() || !root.path("model").isObject()) {
            throw new HfConfigException(file, "has no \"model\" object: is this a Hugging Face tokenizer.json?");
        }
        long max = -1;
        JsonNode vocab = root.get("model").path("vocab");
        if (vocab.isObject()) {
            for (JsonNode id : vocab) {
                max = Math.max(max, id.asLong(-1));
            }
        } else if (vocab.isArray()) {
            max = vocab.size() - 1L;
        }
        for (JsonNode added : root.path("added_tokens")) {
            max = Math.max(max, added.path("id").asLong(-1));
        }
        if (max < 0 || max >= Integer.MAX_VALUE) {
            throw new HfConfigException(file, "has no usable vocabulary (model.vocab and added_tokens give no ids)");
        }
        return (int) max + 1;
    }

    /** A library's message as one line of at most 300 characters. */
    private static String oneLine(String s) {
        String line = s == null ? "" : s.replace('\n', ' ').replace('\r', ' ').strip();
        return line.length() <= 300 ? line : line.substring(0, 300) + "...";
    }

    /** The tokenizer.json this was loaded from. */
    public Path file() {
        return file;
    }

    /** Ids are {@code 0 .. vocabSize-1}: the model vocabulary and the added tokens. */
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * Token ids of {@code text}.
     *
     * @param addSpecialTokens apply the tokenizer's post-processor (Llama: prepend BOS), as
     *                         transformers does by default
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        Objects.requireNonNull(text, "text");
        long[] ids = handle().encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** The text of {@code ids}, special tokens included (transformers' default). */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of {@code ids}; bytes that do not form whole UTF-8 characters become U+FFFD.
     *
     * @throws IllegalArgumentException for an id outside {@code 0 .. vocabSize-1} (the library
     *                                  would skip it silently)
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " (at " + i + ") is outside the vocabulary"
                        + " [0, " + vocabSize + ") of " + file);
            }
            longs[i] = ids[i];
        }
        return handle().decode(longs, skipSpecialTokens);
    }

    /** A decoder for generated ids, one at a time, that emits only whole characters. */
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    private HuggingFaceTokenizer handle() {
        if (closed) {
            throw new IllegalStateException("tokenizer " + file + " is closed");
        }
        return tokenizer;
    }

    /** Frees the native tokenizer; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            tokenizer.close();
        }
    }

    @Override
    public String toString() {
        return "TextTokenizer[" + file + ", vocab " + vocabSize + "]";
    }
}
