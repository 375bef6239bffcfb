package io.kernelhub.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.attention.AttentionCase;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.check.AccuracyCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * kernelhub init + build + load + run, for real: the template kernel is written, built by CMake
 * with the kernelhub module, resolved through KERNELHUB_LOCAL_KERNELS-style configuration,
 * self-registers, and passes FlashAttention's criterion on a seeded part of the grid.
 */
class TemplateKernelTest {

    private static final String ID = "acme/template-attn";

    static Stream<AttentionCase> cases() {
        // a seeded third of the grid: the template is a plain single-threaded C reference
        return AttentionCase.grid().stream().filter(c -> c.seed() % 3 == 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void templatePassesTheCriterion(AttentionCase c) {
        AttentionInterface registry = KernelBuilds.registryWith(ID, KernelBuilds.template(ID));
        AttentionRequest r = c.request();
        AccuracyCheck.Result result = AccuracyCheck.check(r, registry.attend(ID, r));
        assertThat(result.ok()).as("%s: %s", c, result.summary()).isTrue();
    }

    @Test
    void buildWritesTheVariantAndItsManifest() throws Exception {
        Path build = KernelBuilds.template(ID);
        Path variant = build.resolve("cpu-" + LocalVariant.machineArch() + "-" + LocalVariant.machineOs());
        assertThat(variant.resolve("libtemplate-attn.so")).isRegularFile();
        String json = Files.readString(variant.resolve("kernel.json"));
        assertThat(json).contains("\"id\": \"acme/template-attn\"").contains("\"name\": \"fwd\"")
                .contains("\"glibc_max\"");
        AttentionInterface registry = KernelBuilds.registryWith(ID, build);
        AttentionImplementation impl = registry.get(ID + ":fwd");
        assertThat(impl.name()).isEqualTo(ID + ":fwd");
        assertThat(registry.names()).contains(ID + ":fwd");
    }

    @Test
    void unknownOpsAndMissingBuildsAreClearErrors() {
        AttentionInterface registry = KernelBuilds.registryWith(ID, KernelBuilds.template(ID));
        assertThatThrownBy(() -> registry.get(ID + ":paged")).hasMessageContaining("has no op 'paged'")
                .hasMessageContaining("[fwd]");
        AttentionInterface empty = KernelBuilds.registryWith(ID, NativeToolchain.OUT.resolve("no-such-dir"));
        assertThatThrownBy(() -> empty.get(ID)).hasMessageContaining("which is not a directory")
                .hasMessageContaining("kernelhub build");
        AttentionInterface unmapped = KernelBuilds.registryWith("acme/other", NativeToolchain.OUT);
        assertThatThrownBy(() -> unmapped.get(ID)).hasMessageContaining("has no local build")
                .hasMessageContaining("KERNELHUB_LOCAL_KERNELS=acme/template-attn=DIR");
    }
}
