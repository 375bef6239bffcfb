package io.kernelhub.core.attention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @ParameterizedTest
    @ValueSource(strings = {"/flash", "org/", "a/b/c", "org name/x", "-org/x", "org/x@", "org/x@latest", "org/x@>=2.0,,<3",
        "org/x@^", "org/x:", "org/x:1op", "org/x@1.2.3.4"})
    void rejectsMalformedIdsWithAClearMessage(String text) {
        assertThatThrownBy(() -> HubKernelId.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text.contains("@") && text.matches("[a-z]+/[a-z]+@.*") ? "version" : "")
                .hasMessageContaining("'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"eager", "sdpa", "flash_attention_2"})
    void plainNamesAreNotHubIds(String name) {
        assertThat(HubKernelId.tryParse(name)).isEmpty();
    }
}
