package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListCommandTest {

    @Test
    void jsonListsEagerAndSdpaWithCapabilitiesAndAliases() throws Exception {
        Cli r = Cli.run("list", "--json");
        assertThat(r.exit()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        List<String> names = new ArrayList<>();
        for (JsonNode impl : j.get("implementations")) {
            names.add(impl.get("name").asText());
            if (List.of("eager", "sdpa").contains(impl.get("name").asText())) {
                assertThat(texts(impl.get("devices"))).containsExactly("cpu");
                assertThat(texts(impl.get("dtypes"))).containsExactly("f32", "f16", "bf16");
                assertThat(impl.at("/head_dim/min").asInt()).isEqualTo(1);
                assertThat(impl.at("/head_dim/max").asInt()).isGreaterThanOrEqualTo(256);
                assertThat(impl.at("/head_dim/multiple_of").asInt()).isEqualTo(1);
                assertThat(texts(impl.get("features"))).contains("causal", "sliding-window", "softcap", "gqa", "varlen", "lse");
                assertThat(impl.get("description").asText()).isNotBlank();
            }
        }
        assertThat(names).contains("eager", "sdpa");
        assertThat(j.at("/aliases/flash_attention_2").asText()).isEqualTo("kernels-community/flash-attn2");
    }

    @Test
    void textListsImplementationsAndAliases() {
        Cli r = Cli.run("list");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("eager", "sdpa", "features:", "flash_attention_2 -> kernels-community/flash-attn2");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
