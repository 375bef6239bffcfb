package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.bridge.KernelBuilds;
import io.kernelhub.bridge.NativeToolchain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code kernelhub check} and {@code kernelhub publish} on a bundle whose library has RUNPATH
 * {@code .} (a libcuda.so.1 planted in the loading process's working directory would run): check
 * exits 1 naming the entry, publish exits 1 listing the problems and uploads nothing.
 */
class PublishCheckRefusalTest {

    @Test
    void checkAndPublishRefuseARunpathDotBundle() throws Exception {
        Path build = KernelBuilds.template("test-org/cli-refused");
        Path good;
        try (Stream<Path> s = Files.list(build)) {
            good = s.filter(p -> p.getFileName().toString().startsWith("cpu-")).findFirst().orElseThrow();
        }
        Path variant = NativeToolchain.OUT.resolve("cli-refused").resolve(good.getFileName());
        Files.createDirectories(variant);
        Files.copy(good.resolve("kernel.json"), variant.resolve("kernel.json"), StandardCopyOption.REPLACE_EXISTING);
        Path lib = NativeToolchain.sharedLibrary("cli-refused-dot", List.of(build.getParent().resolve("src/attention.c")),
                "-Wl,-rpath,.", "-Wl,--enable-new-dtags");
        Files.copy(lib, variant.resolve("libcli-refused.so"), StandardCopyOption.REPLACE_EXISTING);

        Cli check = Cli.run("check", variant.toString());
        assertThat(check.exit()).as(check.out() + check.err()).isEqualTo(ExitCodes.CHECK_FAILED);
        assertThat(check.out()).contains("FAILED").contains("FAIL  load-policy").contains("DT_RUNPATH '.' is relative to the "
                + "working directory").contains("-Wl,-rpath,'$ORIGIN'");

        Path hub = NativeToolchain.OUT.resolve("cli-refused-hub-" + System.nanoTime());
        Cli publish = Cli.run("publish", variant.toString(), "--hub", hub.toUri().toString());
        assertThat(publish.exit()).as(publish.out() + publish.err()).isEqualTo(ExitCodes.CHECK_FAILED);
        assertThat(publish.err()).contains("refusing to publish test-org/cli-refused").contains("load-policy: "
                + "libcli-refused.so: DT_RUNPATH '.'").contains("Nothing was published");
        if (Files.exists(hub)) {
            try (Stream<Path> s = Files.walk(hub)) {
                assertThat(s.filter(Files::isRegularFile).toList()).isEmpty();
            }
        }
    }
}
