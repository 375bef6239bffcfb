package io.kernelhub.models.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kernelhub.models.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The generated tokenizer loads in the reference library (through DJL) and covers exactly the model's vocabulary. */
class HfTokenizerWriterTest {

    @TempDir
    Path dir;

    static final String ENGLISH = "The train left the city a few minutes after eight, and she was reading a letter "
            + "from her brother. \"It's a long way,\" he wrote, \"but the weather is good and we'll be there by four.\"";

    @ParameterizedTest
    @ValueSource(ints = {258, 512, 8192})
    void everyIdOfTheVocabularyDecodesAndEnglishRoundTrips(int vocabSize) {
        HfTokenizerWriter.write(HfTokenizerWriter.Spec.of(vocabSize, 2048), dir);
        try (TextTokenizer t = TextTokenizer.open(dir.resolve(HfTokenizerWriter.TOKENIZER))) {
            assertThat(t.vocabSize()).isEqualTo(vocabSize);
            for (int id = 0; id < vocabSize; id++) {
                assertThat(t.decode(new int[] {id})).as("id %d", id).isNotEmpty();
            }
            assertThat(t.decode(new int[] {vocabSize - 2, vocabSize - 1}))
                    .isEqualTo(HfTokenizerWriter.BOS_TOKEN + HfTokenizerWriter.EOS_TOKEN);
            int[] ids = t.encode(ENGLISH, false);
            assertThat(t.decode(ids)).isEqualTo(ENGLISH);
            assertThat(java.util.Arrays.stream(ids).max().orElseThrow()).isLessThan(vocabSize - 2);
            int bytes = ENGLISH.getBytes(StandardCharsets.UTF_8).length;
            if (vocabSize >= 512) {
                // learned merges: ordinary English is mostly multi-byte tokens
                assertThat(ids.length).as("tokens for %d bytes", bytes).isLessThan(bytes * (vocabSize > 512 ? 4 : 6) / 10);
            } else {
                assertThat(ids.length).isEqualTo(bytes);
            }
        }
    }

    @Test
    void specialTokensSitAtTheirIdsAndBosIsPrependedOnRequest() throws IOException {
        HfTokenizerWriter.write(new HfTokenizerWriter.Spec(600, 0, 599, 128), dir);
        JsonNode json = new ObjectMapper().readTree(dir.resolve(HfTokenizerWriter.TOKENIZER).toFile());
        JsonNode vocab = json.get("model").get("vocab");
        assertThat(vocab.size()).isEqualTo(600);
        List<Integer> ids = new ArrayList<>();
        vocab.forEach(id -> ids.add(id.asInt()));
        assertThat(ids).isSortedAccordingTo(Integer::compare).startsWith(0, 1).endsWith(598, 599).doesNotHaveDuplicates();
        assertThat(vocab.get(HfTokenizerWriter.BOS_TOKEN).asInt()).isZero();
        assertThat(vocab.get(HfTokenizerWriter.EOS_TOKEN).asInt()).isEqualTo(599);
        assertThat(json.get("added_tokens").findValuesAsText("content"))
                .containsExactly(HfTokenizerWriter.BOS_TOKEN, HfTokenizerWriter.EOS_TOKEN);

        try (TextTokenizer t = TextTokenizer.fromModelDir(dir).orElseThrow()) {
            int[] plain = t.encode("Hello world", false);
            int[] special = t.encode("Hello world", true);
            assertThat(special[0]).isZero();
            assertThat(special).hasSize(plain.length + 1).endsWith(plain);
            assertThat(plain).doesNotContain(0, 599);
            assertThat(t.decode(special)).isEqualTo("<|begin_of_text|>Hello world");
            assertThat(t.decode(special, true)).isEqualTo("Hello world");
            // typed special tokens are recognised as one id, as transformers does
            assertThat(t.encode("<|end_of_text|>", false)).containsExactly(599);
        }
    }

    @Test
    void sideFilesAreTransformersJson() throws IOException {
        HfTokenizerWriter.write(HfTokenizerWriter.Spec.of(300, 64), dir);
        assertThat(Files.readString(dir.resolve(HfTokenizerWriter.SPECIAL_TOKENS_MAP))).isEqualTo("""
                {
                  "bos_token": {
                    "content": "<|begin_of_text|>",
                    "lstrip": false,
                    "normalized": false,
                    "rstrip": false,
                    "single_word": false
                  },
                  "eos_token": {
                    "content": "<|end_of_text|>",
                    "lstrip": false,
                    "normalized": false,
                    "rstrip": false,
                    "single_word": false
                  }
                }
                """);
        JsonNode config = new ObjectMapper().readTree(dir.resolve(HfTokenizerWriter.TOKENIZER_CONFIG).toFile());
        assertThat(config.get("tokenizer_class").asText()).isEqualTo("PreTrainedTokenizerFast");
        assertThat(config.get("model_max_length").asInt()).isEqualTo(64);
        assertThat(config.get("added_tokens_decoder").get("298").get("content").asText())
                .isEqualTo(HfTokenizerWriter.BOS_TOKEN);
        assertThat(config.get("added_tokens_decoder").get("299").get("special").asBoolean()).isTrue();
    }

    @Test
    void sameSpecSameBytes() {
        HfTokenizerWriter.Spec spec = HfTokenizerWriter.Spec.of(2000, 512);
        assertThat(HfTokenizerWriter.tokenizerJson(spec)).isEqualTo(HfTokenizerWriter.tokenizerJson(spec));
    }

    @Test
    void learnsRealMergesThenSynthesizes() {
        ByteLevelBpe.Vocabulary small = ByteLevelBpe.build(400);
        ByteLevelBpe.Vocabulary large = ByteLevelBpe.build(8190);
        assertThat(small.tokens()).hasSize(400).doesNotHaveDuplicates();
        assertThat(large.tokens()).hasSize(8190).doesNotHaveDuplicates();
        assertThat(small.learnedMerges()).isEqualTo(144);
        assertThat(large.learnedMerges()).isBetween(500, ByteLevelBpe.MAX_LEARNED_MERGES);
        assertThat(large.merges().subList(0, 144)).isEqualTo(small.merges());
        // the most frequent English pieces come first: " t" + "he" -> " the" is among the first merges
        assertThat(large.merges().subList(0, 10)).contains(new ByteLevelBpe.Merge("Ġt", "he"));
        java.util.Set<String> tokens = new java.util.HashSet<>(large.tokens());
        assertThat(large.merges()).allMatch(m -> tokens.containsAll(List.of(m.left(), m.right(), m.left() + m.right())));
    }

    @Test
    void rejectsImpossibleSpecs() {
        assertThatThrownBy(() -> HfTokenizerWriter.Spec.of(257, 8)).hasMessageContaining("at least 258");
        assertThatThrownBy(() -> new HfTokenizerWriter.Spec(300, 300, 1, 8)).hasMessageContaining("[0, 300)");
    }
}
