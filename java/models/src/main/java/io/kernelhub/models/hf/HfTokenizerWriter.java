package io.kernelhub.models.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.models.safetensors.SafetensorsWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a Hugging Face fast tokenizer for a model of any vocabulary size: a GPT-2 / Llama 3
 * style byte-level BPE ({@code tokenizer.json}) whose ids cover exactly {@code 0 .. vocabSize-1}
 * (every id decodes), plus {@code tokenizer_config.json} and {@code special_tokens_map.json} as
 * transformers saves them. Nothing is downloaded: the merges come from {@link ByteLevelBpe}.
 *
 * <p>The layout: two special tokens, {@value #BOS_TOKEN} and {@value #EOS_TOKEN}, at the ids the
 * spec names; every other id, in order, is a BPE token by rank (the 256 bytes, the merges learned
 * from English, then synthetic merges). The special tokens are also in the BPE model's vocabulary,
 * as GPT-2's {@code <|endoftext|>} is, so that they keep their ids wherever they sit. The
 * post-processor prepends BOS when special tokens are asked for (transformers' and DJL's
 * {@code add_special_tokens}); EOS is never added.
 *
 * <p>The same spec always gives the same bytes.
 */
public final class HfTokenizerWriter {

    public static final String TOKENIZER = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

    public static final String BOS_TOKEN = "<|begin_of_text|>";
    public static final String EOS_TOKEN = "<|end_of_text|>";

    /** The fewest ids: the 256 byte tokens and the two special tokens. */
    public static final int MIN_VOCAB_SIZE = 258;

    /**
     * What to write.
     *
     * @param vocabSize      ids are {@code 0 .. vocabSize-1}; at least {@value #MIN_VOCAB_SIZE}
     * @param bosTokenId     the id of {@value #BOS_TOKEN}
     * @param eosTokenId     the id of {@value #EOS_TOKEN}
     * @param modelMaxLength tokenizer_config.json's {@code model_max_length} (the model's context)
     */
    public record Spec(int vocabSize, int bosTokenId, int eosTokenId, int modelMaxLength) {
        public Spec {
            if (vocabSize < MIN_VOCAB_SIZE) {
                throw new IllegalArgumentException("a byte-level BPE tokenizer needs at least " + MIN_VOCAB_SIZE
                        + " ids (256 bytes + BOS + EOS), got vocab size " + vocabSize);
            }
            if (bosTokenId < 0 || bosTokenId >= vocabSize || eosTokenId < 0 || eosTokenId >= vocabSize
                    || bosTokenId == eosTokenId) {
                throw new IllegalArgumentException("BOS and EOS need two different ids in [0, " + vocabSize + "), got "
                        + bosTokenId + " and " + eosTokenId);
            }
            if (modelMaxLength < 1) {
                throw new IllegalArgumentException("model_max_length must be positive, got " + modelMaxLength);
            }
        }

        /** BOS and EOS at the last two ids (Llama 3 keeps its special tokens at the end too). */
        public static Spec of(int vocabSize, int modelMaxLength) {
            return new Spec(vocabSize, vocabSize - 2, vocabSize - 1, modelMaxLength);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private HfTokenizerWriter() {
    }

    /**
     * Writes the three tokenizer files into {@code dir} (created if needed), each atomically.
     *
     * @return the files written
     * @throws UncheckedIOException naming the file that could not be written
     */
    public static List<Path> write(Spec spec, Path dir) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put(TOKENIZER, tokenizerJson(spec));
        files.put(TOKENIZER_CONFIG, PythonJson.dumps(tokenizerConfig(spec), false));
        files.put(SPECIAL_TOKENS_MAP, PythonJson.dumps(specialTokensMap(), false));
        List<Path> written = new ArrayList<>();
        for (var f : files.entrySet()) {
            Path file = dir.resolve(f.getKey());
            writeAtomically(file, f.getValue());
            written.add(file);
        }
        return List.copyOf(written);
    }

    /** The text of tokenizer.json, laid out as the tokenizers library saves it (pretty, two spaces). */
    public static String tokenizerJson(Spec spec) {
        ByteLevelBpe.Vocabulary bpe = ByteLevelBpe.build(spec.vocabSize() - 2);
        ObjectNode root = NODES.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        TreeMap<Integer, String> specials = new TreeMap<>(Map.of(spec.bosTokenId(), BOS_TOKEN, spec.eosTokenId(), EOS_TOKEN));
        specials.forEach((id, content) -> added.addObject()
                .put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true));
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(false, true));
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "Sequence");
        ArrayNode processors = post.putArray("processors");
        processors.add(byteLevel(true, false));
        processors.add(prependBos(spec.bosTokenId()));
        root.set("decoder", byteLevel(true, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        int next = 0;
        for (int id = 0; id < spec.vocabSize(); id++) {
            vocab.put(specials.containsKey(id) ? specials.get(id) : bpe.tokens().get(next++), id);
        }
        ArrayNode merges = model.putArray("merges");
        // "left right": byte-level tokens never contain a space, so the oldest merge format is unambiguous
        bpe.merges().forEach(m -> merges.add(m.left() + " " + m.right()));
        try {
            DefaultPrettyPrinter pretty = new DefaultPrettyPrinter(
                    Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                    .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"))
                    .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"));
            return JSON.writer(pretty).writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise tokenizer.json", e);
        }
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        ObjectNode n = NODES.objectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", trimOffsets);
        n.put("use_regex", true);
        return n;
    }

    /** Llama 3's TemplateProcessing: {@code <bos> $A} for one sequence, {@code <bos> $A <bos> $B} for a pair. */
    private static ObjectNode prependBos(int bosId) {
        ObjectNode n = NODES.objectNode();
        n.put("type", "TemplateProcessing");
        ArrayNode single = n.putArray("single");
        single.add(special(BOS_TOKEN));
        single.add(sequence("A", 0));
        ArrayNode pair = n.putArray("pair");
        pair.add(special(BOS_TOKEN));
        pair.add(sequence("A", 0));
        pair.add(special(BOS_TOKEN));
        pair.add(sequence("B", 1));
        ObjectNode bos = n.putObject("special_tokens").putObject(BOS_TOKEN);
        bos.put("id", BOS_TOKEN);
        bos.putArray("ids").add(bosId);
        bos.putArray("tokens").add(BOS_TOKEN);
        return n;
    }

    private static ObjectNode special(String token) {
        ObjectNode n = NODES.objectNode();
        n.putObject("SpecialToken").put("id", token).put("type_id", 0);
        return n;
    }

    private static ObjectNode sequence(String id, int typeId) {
        ObjectNode n = NODES.objectNode();
        n.putObject("Sequence").put("id", id).put("type_id", typeId);
        return n;
    }

    /**
     * transformers' tokenizer_config.json for a {@code PreTrainedTokenizerFast}.
     * {@code clean_up_tokenization_spaces} is false so that transformers' decode returns the
     * tokenizer's own text (true would drop spaces before punctuation).
     */
    private static Map<String, Object> tokenizerConfig(Spec spec) {
        Map<String, Object> decoder = new LinkedHashMap<>();
        decoder.put(Integer.toString(spec.bosTokenId()), addedToken(BOS_TOKEN, true));
        decoder.put(Integer.toString(spec.eosTokenId()), addedToken(EOS_TOKEN, true));
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("added_tokens_decoder", decoder);
        c.put("bos_token", BOS_TOKEN);
        c.put("clean_up_tokenization_spaces", false);
        c.put("eos_token", EOS_TOKEN);
        c.put("model_input_names", List.of("input_ids", "attention_mask"));
        c.put("model_max_length", spec.modelMaxLength());
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        return c;
    }

    private static Map<String, Object> specialTokensMap() {
        return Map.of("bos_token", addedToken(BOS_TOKEN, false), "eos_token", addedToken(EOS_TOKEN, false));
    }

    /** An AddedToken as transformers serialises it ({@code special} only inside added_tokens_decoder). */
    private static Map<String, Object> addedToken(String content, boolean withSpecial) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("content", content);
        t.put("lstrip", false);
        t.put("normalized", false);
        t.put("rstrip", false);
        t.put("single_word", false);
        if (withSpecial) {
            t.put("special", true);
        }
        return t;
    }

    /** Writes {@code text} to a temporary file beside {@code target} and renames it into place. */
    static void writeAtomically(Path target, String text) {
        SafetensorsWriter.writeTextAtomically(target, text);
    }
}
