package io.kernelhub.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kernelhub.bridge.generated.HeaderChecksum;
import io.kernelhub.bridge.generated.kernelhub_h;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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

    @Test
    void everyGeneratedFileRecordsTheCurrentHeaderAndOneJextractCommit() throws Exception {
        byte[] header = Files.readAllBytes(NativeToolchain.INCLUDE.resolve("kernelhub.h"));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(header));
        Path dir = NativeToolchain.REPO.resolve("java/bridge/src/main/java/io/kernelhub/bridge/generated");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
        assertThat(files).extracting(f -> f.getFileName().toString())
                .contains("kernelhub_h.java", "HeaderChecksum.java", "kh_tensor.java", "kh_attention_args.java",
                        "kh_op_desc.java", "kh_host.java", "kh_attention_fn.java");
        Pattern commit = Pattern.compile("with jextract \\(openjdk/jextract commit ([0-9a-f]{7,40}),");
        Set<String> commits = new TreeSet<>();
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f);
            assertThat(lines.getFirst()).as("%s: first line (rerun native/jextract/regenerate.sh)", f.getFileName())
                    .isEqualTo("// Generated from native/include/kernelhub.h (sha256 " + sha + ")");
            Matcher m = commit.matcher(lines.get(1));
            assertThat(m.find()).as("%s names the jextract commit: %s", f.getFileName(), lines.get(1)).isTrue();
            commits.add(m.group(1));
        }
        assertThat(commits).as("all files come from one jextract run").hasSize(1);
    }

    @Test
    void theBundleEntryPointDescriptorsAreTheGeneratedOnes() {
        // jextract's function bindings find their symbol among the libraries loaded into the JVM:
        // load a well-formed test bundle the way a host would link one
        System.load(NativeToolchain.sharedLibrary("entry_points", List.of(NativeToolchain.TEST_NATIVE.resolve("test_bundle.c")))
                .toString());
        assertThat(kernelhub_h.kh_abi_version$descriptor()).isEqualTo(BundleLoader.KH_ABI_VERSION);
        assertThat(kernelhub_h.kh_register$descriptor()).isEqualTo(BundleLoader.KH_REGISTER);
        assertThat(kernelhub_h.kh_abi_version()).isEqualTo(kernelhub_h.KH_ABI_VERSION());
    }
}
