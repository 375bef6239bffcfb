package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The suite never sees the user's kernelhub settings: the build (surefire's environment in the
 * root pom.xml) points KERNELHUB_HOME under target/ and removes every other setting kernelhub
 * reads. .ci/run proves it from the outside: it fills the real home with a demo and runs the
 * suite with hostile KERNELHUB_* values exported.
 */
class HermeticTestEnvironmentTest {

    @Test
    void kernelhubHomeIsAnEmptiedDirectoryUnderTarget() {
        String home = System.getenv(EnvSettings.HOME);
        assertThat(home).as("KERNELHUB_HOME is set by surefire (root pom.xml)").isNotBlank();
        Path path = Path.of(home).toAbsolutePath().normalize();
        assertThat(path.getFileName().toString()).isEqualTo("test-kernelhub-home");
        assertThat(path.getParent().getFileName().toString()).isEqualTo("target");
        assertThat(path.startsWith(Path.of(System.getProperty("user.home"), ".kernelhub"))).isFalse();
    }

    @Test
    void noOtherKernelhubSettingReachesTheTests() {
        for (String name : EnvSettings.KNOWN) {
            if (!name.equals(EnvSettings.HOME)) {
                assertThat(System.getenv(name)).as(name + " must be removed for tests (root pom.xml)").isNull();
            }
        }
    }

    @Test
    void thePomRemovesEverySettingKernelhubReads() throws Exception {
        Path pom = ChildCli.repo().resolve("pom.xml");
        Matcher block = Pattern.compile("<excludedEnvironmentVariables>(.*?)</excludedEnvironmentVariables>", Pattern.DOTALL)
                .matcher(Files.readString(pom));
        assertThat(block.find()).as("surefire's excludedEnvironmentVariables in " + pom).isTrue();
        List<String> excluded = new ArrayList<>();
        Matcher name = Pattern.compile("<name>([A-Z0-9_]+)</name>").matcher(block.group(1));
        while (name.find()) {
            excluded.add(name.group(1));
        }
        List<String> expected = new ArrayList<>(EnvSettings.KNOWN);
        expected.remove(EnvSettings.HOME);
        assertThat(excluded).containsAll(expected);
    }
}
