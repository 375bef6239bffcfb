package io.kernelhub.models.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.models.hf.HfConfigException;
import io.kernelhub.models.hf.HfTokenizerWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Loading, encoding, decoding and streaming through DJL, and the errors a bad file gives. */
class TextTokenizerTest {

    @TempDir
    static Path model;
    static TextTokenizer tokenizer;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeTokenizer() {
        HfTokenizerWriter.write(HfTokenizerWriter.Spec.of(512, 4096), model);
        tokenizer = TextTokenizer.fromModelDir(model).orElseThrow();
    }

    @AfterAll
    static void closeTokenizer() {
        tokenizer.close();
    }

    @Test
    void aDirectoryWithoutTokenizerJsonHasNone() {
        assertThat(TextTokenizer.fromModelDir(dir)).isEmpty();
    }

    @Test
    void longTextIsNeitherTruncatedNorPadded() {
        String text = "Good writing is clear writing. Use short words when they do the job. ".repeat(60);
        int[] ids = tokenizer.encode(text, true);
        assertThat(ids.length).isGreaterThan(1000); // DJL's default would cut at 512
        assertThat(tokenizer.decode(ids, true)).isEqualTo(text);
        assertThat(tokenizer.encode("short", false)).hasSizeLessThan(6);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Café au lait, s'il vous plaît: déjà vu.",
            "日本語のテキスト and English mixed 日本",
            "emoji 🙂👍🏽 and a flag 🇫🇷 in text 🎉!",
            "tabs\tand\nnewlines  and   spaces ",
    })
    void streamingNeverEmitsHalfACharacterAndAddsUpToDecode(String text) {
        for (boolean skipSpecial : new boolean[] {false, true}) {
            int[] ids = tokenizer.encode(text, true);
            StreamingDecoder decoder = tokenizer.streamingDecoder(skipSpecial);
            StringBuilder out = new StringBuilder();
            for (int id : ids) {
                String piece = decoder.push(id);
                assertThat(piece).as("piece for id %d", id).doesNotContain("\uFFFD");
                out.append(piece);
            }
            out.append(decoder.flush());
            assertThat(out.toString()).isEqualTo(tokenizer.decode(ids, skipSpecial));
            assertThat(out.toString()).isEqualTo(skipSpecial ? text : HfTokenizerWriter.BOS_TOKEN + text);
        }
    }

    @Test
    void aCharacterSplitOverTokensWaitsForItsLastByte() {
        // 🙂 is 4 bytes; with 512 ids it has no merges, so it is 4 byte tokens
        int[] ids = tokenizer.encode("a🙂", false);
        StreamingDecoder decoder = tokenizer.streamingDecoder(true);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(decoder.push(id));
        }
        assertThat(pieces).containsExactly("a", "", "", "", "🙂");
        assertThat(decoder.flush()).isEmpty();
    }

    @Test
    void bytesThatNeverFormACharacterComeOutAtFlushAsDecodeShowsThem() {
        int[] lead = tokenizer.encode("é", false); // two byte tokens: lead byte, continuation byte
        assertThat(lead).hasSize(2);
        StreamingDecoder decoder = tokenizer.streamingDecoder(true);
        assertThat(decoder.push(lead[0])).isEmpty();
        String rest = decoder.flush();
        assertThat(rest).isEqualTo(tokenizer.decode(new int[] {lead[0]})).isEqualTo("\uFFFD");
        // after flush the decoder starts afresh
        assertThat(decoder.push(tokenizer.encode("x", false)[0])).isEqualTo("x");
    }

    @Test
    void idsOutsideTheVocabularyAreRefused() {
        assertThatThrownBy(() -> tokenizer.decode(new int[] {1, 512})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token id 512 (at 1) is outside the vocabulary [0, 512)");
        assertThatThrownBy(() -> tokenizer.streamingDecoder(false).push(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token id -1");
    }

    @Test
    void closeFreesTheNativeTokenizerOnce() {
        TextTokenizer t = TextTokenizer.fromModelDir(model).orElseThrow();
        t.close();
        t.close();
        assertThatThrownBy(() -> t.encode("x", false)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void damagedJsonIsOneLineNamingTheFile() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"version\": \"1.0\",\n \"model\": {\"type\": \"BPE\", ");
        assertThatThrownBy(() -> TextTokenizer.fromModelDir(dir)).isInstanceOf(HfConfigException.class)
                .hasMessageStartingWith(file + ": not valid JSON (line 2, column ")
                .hasMessageEndingWith("; the file is damaged: download it again")
                .satisfies(e -> assertOneCleanLine(e.getMessage()));
    }

    @Test
    void jsonThatIsNotATokenizerIsOneLineNamingTheFile() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"answer\": 42}");
        assertThatThrownBy(() -> TextTokenizer.open(file)).isInstanceOf(HfConfigException.class)
                .hasMessage(file + ": has no \"model\" object: is this a Hugging Face tokenizer.json?");

        // valid JSON with a model the library rejects: a merge of a token that is not in the vocabulary
        Files.writeString(file, """
                {"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": null,
                 "post_processor": null, "decoder": null,
                 "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a zz"]}}
                """);
        assertThatThrownBy(() -> TextTokenizer.open(file)).isInstanceOf(HfConfigException.class)
                .hasMessageStartingWith(file + ": the tokenizers library cannot load it: ")
                .hasMessageContaining("zz")
                .satisfies(e -> assertOneCleanLine(e.getMessage()));
    }

    @Test
    void unreadableFilesNameTheFile() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.write(file, new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}'});
        assertThatThrownBy(() -> TextTokenizer.open(file)).isInstanceOf(HfConfigException.class)
                .hasMessage(file + ": is not UTF-8 text; the file is damaged: download it again");
        assertThatThrownBy(() -> TextTokenizer.open(dir.resolve("absent.json"))).isInstanceOf(HfConfigException.class)
                .hasMessage(dir.resolve("absent.json") + ": missing");
        Files.delete(file);
        Files.createDirectory(file);
        assertThatThrownBy(() -> TextTokenizer.fromModelDir(dir)).isInstanceOf(HfConfigException.class)
                .hasMessageStartingWith(file + ": cannot read: ");
    }

    private static void assertOneCleanLine(String message) {
        assertThat(message).doesNotContain("\n").doesNotContain("Exception").doesNotContain("\tat ")
                .hasSizeLessThan(600);
    }

    @Test
    void djlWritesItsNativeLibraryUnderTheKernelhubHome() {
        Path home = Path.of(System.getenv("KERNELHUB_HOME"));
        assertThat(Path.of(System.getProperty("DJL_CACHE_DIR"))).isEqualTo(home.resolve("cache/djl"));
        assertThat(home.resolve("cache/djl/tokenizers")).isDirectory();
    }

    @Test
    void djlSettingsDefaultToTheKernelhubHomeAndKeepTheUsersChoices() {
        Properties props = new Properties();
        DjlSettings.apply(Map.of("KERNELHUB_HOME", "/srv/kh"), props);
        assertThat(props).containsEntry("DJL_CACHE_DIR", Path.of("/srv/kh/cache/djl").toString())
                .containsEntry("jna.tmpdir", Path.of("/srv/kh/cache/jna").toString())
                .containsEntry("OPT_OUT_TRACKING", "true");

        Properties mine = new Properties();
        mine.setProperty("jna.tmpdir", "/tmp/jna");
        mine.setProperty("OPT_OUT_TRACKING", "false");
        DjlSettings.apply(Map.of("KERNELHUB_HOME", "/srv/kh", "DJL_CACHE_DIR", "/data/djl"), mine);
        assertThat(mine).doesNotContainKey("DJL_CACHE_DIR") // DJL reads the environment variable first
                .containsEntry("jna.tmpdir", "/tmp/jna").containsEntry("OPT_OUT_TRACKING", "false");

        Properties unset = new Properties();
        DjlSettings.apply(Map.of(), unset);
        assertThat(unset).containsEntry("DJL_CACHE_DIR",
                Path.of(System.getProperty("user.home"), ".kernelhub", "cache", "djl").toString());
    }
}
