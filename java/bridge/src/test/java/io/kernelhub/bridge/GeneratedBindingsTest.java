package io.kernelhub.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kernelhub.bridge.generated.HeaderChecksum;
import io.kernelhub.bridge.generated.kernelhub_h;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Java bindings against the header they were generated from: the C compiler's sizes,
 * offsets and constant values, and the header's checksum.
 */
class GeneratedBindingsTest {

    @Test
    void everyStructSizeAndFieldOffsetMatchesTheCCompiler() throws Exception {
        String json = NativeToolchain.run(java.util.List.of(
                NativeToolchain.executable("layout_probe", NativeToolchain.REPO.resolve("native/probe/layout_probe.c"))
                        .toString()));
        JsonNode probe = new ObjectMapper().readTree(json);
        int structs = 0;
        for (Map.Entry<String, JsonNode> s : probe.properties()) {
            if (s.getKey().equals("constants")) {
                continue;
            }
            structs++;
            Class<?> binding = Class.forName("io.kernelhub.bridge.generated." + s.getKey());
            assertThat((long) binding.getMethod("sizeof").invoke(null)).as("sizeof(%s)", s.getKey())
                    .isEqualTo(s.getValue().get("sizeof").asLong());
            for (Map.Entry<String, JsonNode> field : s.getValue().get("fields").properties()) {
                Method offset = binding.getMethod(field.getKey() + "$offset");
                assertThat((long) offset.invoke(null)).as("offsetof(%s, %s)", s.getKey(), field.getKey())
                        .isEqualTo(field.getValue().asLong());
            }
        }
        assertThat(structs).isEqualTo(4);
    }

    @Test
    void everyConstantMatchesTheCCompiler() throws Exception {
        String json = NativeToolchain.run(java.util.List.of(
                NativeToolchain.executable("layout_probe", NativeToolchain.REPO.resolve("native/probe/layout_probe.c"))
                        .toString()));
        JsonNode constants = new ObjectMapper().readTree(json).get("constants");
        assertThat(constants.size()).isGreaterThan(20);
        for (Map.Entry<String, JsonNode> c : constants.properties()) {
            int value = (int) kernelhub_h.class.getMethod(c.getKey()).invoke(null);
            assertThat(Integer.toUnsignedLong(value)).as(c.getKey()).isEqualTo(c.getValue().asLong());
        }
    }

    @Test
    void bindingsWereGeneratedFromTheCurrentHeader() throws Exception {
        byte[] header = Files.readAllBytes(NativeToolchain.INCLUDE.resolve("kernelhub.h"));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(header));
        assertThat(sha).as("native/include/kernelhub.h changed: regenerate the bindings with "
                + "native/jextract/regenerate.sh and update native/probe/layout_probe.c").isEqualTo(HeaderChecksum.SHA256);
    }
}
