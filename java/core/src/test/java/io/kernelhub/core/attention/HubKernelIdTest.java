package io.kernelhub.core.attention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HubKernelIdTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "kernels-community/flash-attn2|kernels-community|flash-attn2|-|-",
        "kernels-community/flash-attn2@2.1.0|kernels-community|flash-attn2|2.1.0|-",
        "kernels-community/flash-attn2@^2.1|kernels-community|flash-attn2|^2.1|-",
        "kernels-community/flash-attn2@~2.1.0:varlen|kernels-community|flash-attn2|~2.1.0|varlen",
        "kernels-community/flash-attn2@>=2.0,<3.0|kernels-community|flash-attn2|>=2.0,<3.0|-",
        "acme/attn@v2:paged_kv|acme|attn|v2|paged_kv",
        "acme/attn:fwd|acme|attn|-|fwd",
        "acme/attn@1.0.0-rc.1|acme|attn|1.0.0-rc.1|-",
    })
    void parsesValidIds(String text, String org, String name, String spec, String op) {
        HubKernelId id = HubKernelId.parse(text);
        assertThat(id.org()).isEqualTo(org);
        assertThat(id.name()).isEqualTo(name);
        assertThat(id.versionSpec()).isEqualTo(spec);
        assertThat(id.op()).isEqualTo(op);
        assertThat(id.toString()).isEqualTo(text);
        assertThat(id.kernel()).isEqualTo(org + "/" + name);
    }

    static final String GRAMMAR = "expected org/name[@version][:op], e.g. kernels-community/flash-attn2, "
            + "kernels-community/flash-attn2@^2.1 or kernels-community/flash-attn2@2.1.0:varlen";
    static final String SPECS = "version specs are 2.1.0 (exact), ^2.1, ~2.1.0, >=2.0,<3.0 or v2";
    static final String GRAMMAR_PREFIX = "expected org/name[@version][:op]";
    static final String SPECS_PREFIX = "version specs are 2.1.0 (exact)";

    /** Each malformed id is refused with the message for its own fault, naming the part that is wrong. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        // org/name shape: the whole id is quoted, with the grammar and the segment rule
        "/flash|bad hub kernel id '/flash': " + GRAMMAR_PREFIX,
        "org/|bad hub kernel id 'org/': " + GRAMMAR_PREFIX,
        "a/b/c|bad hub kernel id 'a/b/c': " + GRAMMAR_PREFIX,
        "org name/x|bad hub kernel id 'org name/x': " + GRAMMAR_PREFIX,
        "-org/x|bad hub kernel id '-org/x': " + GRAMMAR_PREFIX,
        // version after '@': empty, or not a spec (the spec itself is quoted)
        "org/x@|empty version after '@' in hub kernel id 'org/x@': " + SPECS_PREFIX,
        "org/x@latest|bad version spec 'latest' in hub kernel id 'org/x@latest': " + SPECS_PREFIX,
        "org/x@>=2.0,,<3|bad version spec '>=2.0,,<3' in hub kernel id 'org/x@>=2.0,,<3': " + SPECS_PREFIX,
        "org/x@^|bad version spec '^' in hub kernel id 'org/x@^': " + SPECS_PREFIX,
        "org/x@1.2.3.4|bad version spec '1.2.3.4' in hub kernel id 'org/x@1.2.3.4': " + SPECS_PREFIX,
        // op after ':'
        "org/x:|bad op '' in hub kernel id 'org/x:': an op name is letters, digits",
        "org/x:1op|bad op '1op' in hub kernel id 'org/x:1op': an op name is letters, digits",
    })
    void rejectsMalformedIdsWithTheirOwnMessage(String text, String message) {
        assertThatThrownBy(() -> HubKernelId.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void theFullMessagesCarryTheGrammarAndTheSpecs() {
        assertThatThrownBy(() -> HubKernelId.parse("/flash")).hasMessage("bad hub kernel id '/flash': " + GRAMMAR
                + " (org and name: letters, digits, '.', '_', '-', starting with a letter or digit)");
        assertThatThrownBy(() -> HubKernelId.parse("org/x@latest"))
                .hasMessage("bad version spec 'latest' in hub kernel id 'org/x@latest': " + SPECS);
        assertThatThrownBy(() -> HubKernelId.parse("org/x@"))
                .hasMessage("empty version after '@' in hub kernel id 'org/x@': " + SPECS + "; leave out '@' for the latest release");
        assertThatThrownBy(() -> HubKernelId.parse("org/x:1op")).hasMessage("bad op '1op' in hub kernel id 'org/x:1op': "
                + "an op name is letters, digits, '_', '.', '-', starting with a letter or '_'");
        assertThatThrownBy(() -> HubKernelId.parse(" ")).hasMessage("empty hub kernel id: " + GRAMMAR);
        assertThatThrownBy(() -> HubKernelId.parse(null)).hasMessage("empty hub kernel id: " + GRAMMAR);
    }

    @ParameterizedTest
    @ValueSource(strings = {"eager", "sdpa", "flash_attention_2"})
    void plainNamesAreNotHubIds(String name) {
        assertThat(HubKernelId.tryParse(name)).isEmpty();
    }
}
