package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's JDK discovery (scripts/jdk.sh), run by bash against fake JDK directories whose
 * {@code java -version} prints what real JDKs print.
 */
class LauncherJdkDiscoveryTest {

    private static final Path SCRIPT = repoRoot().resolve("scripts/jdk.sh");

    @TempDir
    Path tmp;

    private static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("scripts/jdk.sh"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("scripts/jdk.sh not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    private Path fakeJdk(String dir, String name, String versionLine) throws IOException {
        Path home = tmp.resolve(dir).resolve(name);
        Path bin = Files.createDirectories(home.resolve("bin"));
        for (String tool : new String[] {"java", "javac"}) {
            Path f = bin.resolve(tool);
            Files.writeString(f, "#!/bin/sh\necho '" + versionLine + "' >&2\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return home;
    }

    private record Result(int exit, String out, String err) {
    }

    /** A PATH directory with just the utilities jdk.sh uses, so no real JDK on the machine can be found. */
    private Path toolsOnly() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("tools-bin"));
        for (String tool : new String[] {"sed", "head", "readlink", "dirname"}) {
            Path wrapper = bin.resolve(tool);
            String real = Files.exists(Path.of("/usr/bin", tool)) ? "/usr/bin/" + tool : "/bin/" + tool;
            Files.writeString(wrapper, "#!/bin/sh\nexec " + real + " \"$@\"\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    private Result find(String javaHome, String jvmDirs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "source \"$1\"; kh_find_jdk", "bash", SCRIPT.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.remove("JAVA_HOME");
        if (javaHome != null) {
            env.put("JAVA_HOME", javaHome);
        }
        env.put("KH_JVM_DIRS", jvmDirs);
        env.put("PATH", toolsOnly().toString()); // a javac on PATH is a candidate too: keep the system's out
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), Files.readString(out).strip(), Files.readString(err));
    }

    @Test
    void picksTheNewestJdkAtLeast25() throws Exception {
        fakeJdk("jvm", "java-17", "openjdk version \"17.0.15\" 2025-04-15");
        fakeJdk("jvm", "jdk-24", "openjdk version \"24.0.2\" 2025-07-15");
        Path jdk25 = fakeJdk("jvm", "temurin-25", "openjdk version \"25.0.3\" 2026-04-21 LTS");
        Result r = find(null, tmp.resolve("jvm").toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(jdk25.toString());
    }

    @Test
    void javaHomeWinsWhenNewEnough() throws Exception {
        Path jdk25 = fakeJdk("jvm", "jdk-25", "openjdk version \"25\" 2025-09-16");
        fakeJdk("jvm", "jdk-26", "openjdk version \"26\" 2026-03-17");
        assertThat(find(jdk25.toString(), tmp.resolve("jvm").toString()).out()).isEqualTo(jdk25.toString());
    }

    @Test
    void jdks22To24AreRefusedBecauseTheBuildTargets25() throws Exception {
        Path jdk22 = fakeJdk("jvm", "jdk-22", "openjdk version \"22.0.2\" 2024-07-16");
        Path jdk24 = fakeJdk("other", "jdk-24", "openjdk version \"24.0.1\" 2025-04-15");
        Result r = find(jdk24.toString(), tmp.resolve("jvm").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("needs a JDK >= 25").contains(jdk22 + " (Java 22)").contains(jdk24 + " (Java 24)");
    }

    @Test
    void theLaunchersFloorIsTheReleaseTheBuildCompilesFor() throws Exception {
        String pom = Files.readString(repoRoot().resolve("pom.xml"));
        Matcher release = Pattern.compile("<maven.compiler.release>(\\d+)</maven.compiler.release>").matcher(pom);
        assertThat(release.find()).as("pom.xml sets maven.compiler.release").isTrue();
        assertThat(Files.readString(SCRIPT)).contains("KH_MIN_JAVA=" + release.group(1) + "\n");
        assertThat(Files.readString(repoRoot().resolve("README.md"))).contains("JDK >= " + release.group(1));
    }

    @Test
    void anOldJavaHomeIsSkippedForANewerSystemJdk() throws Exception {
        Path old = fakeJdk("other", "java-17", "openjdk version \"17.0.15\" 2025-04-15");
        Path jdk25 = fakeJdk("jvm", "temurin-25", "openjdk version \"25.0.3\" 2026-04-21 LTS");
        assertThat(find(old.toString(), tmp.resolve("jvm").toString()).out()).isEqualTo(jdk25.toString());
    }

    @Test
    void noSuitableJdkGivesAClearErrorNamingWhatWasFound() throws Exception {
        Path old = fakeJdk("jvm", "java-17", "openjdk version \"17.0.15\" 2025-04-15");
        fakeJdk("jvm", "java-8", "openjdk version \"1.8.0_412\"");
        Result r = find(null, tmp.resolve("jvm").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("needs a JDK >= 25").contains(old + " (Java 17)").contains("(Java 8)")
                .contains("JAVA_HOME");
    }
}
