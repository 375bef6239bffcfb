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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts that keep CI from passing vacuously, run by bash on an isolated PATH of fake tools:
 * scripts/ci-tools.sh (under CI=true a missing cmake, compiler or nvcc fails the run, naming it;
 * elsewhere it warns) and scripts/test-count.sh (fewer tests ran than the floor fails).
 */
class CiScriptsTest {

    @TempDir
    Path tmp;
    Path bin;

    record Result(int exit, String out, String err) {}

    @BeforeEach
    void fakeTools() throws IOException {
        bin = Files.createDirectories(tmp.resolve("bin"));
        // real utilities the scripts use, and fakes for every tool ci-tools.sh looks for
        for (String tool : List.of("grep", "sed", "head", "readlink", "dirname", "awk", "cat")) {
            String real = Files.exists(Path.of("/usr/bin", tool)) ? "/usr/bin/" + tool : "/bin/" + tool;
            script(bin.resolve(tool), "exec " + real + " \"$@\"");
        }
        for (String tool : List.of("mvn", "cmake", "ctest", "c++", "cc", "objdump", "nginx", "nvcc")) {
            script(bin.resolve(tool), "echo fake " + tool);
        }
        script(bin.resolve("apt-get"), "exit 100"); // installing never works here
        script(bin.resolve("apt-cache"), "exit 0");
        Path jdk = Files.createDirectories(tmp.resolve("jdk-25/bin"));
        script(jdk.resolve("java"), "echo 'openjdk version \"25.0.1\" 2025-10-21' >&2");
        script(jdk.resolve("javac"), "exit 0");
    }

    private static void script(Path f, String body) throws IOException {
        Files.writeString(f, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Result bash(Map<String, String> env, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", "-c", script, "bash"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.directory(ChildCli.repo().toFile());
        pb.environment().clear();
        pb.environment().put("PATH", bin.toString());
        pb.environment().put("JAVA_HOME", tmp.resolve("jdk-25").toString());
        pb.environment().put("KH_JVM_DIRS", tmp.resolve("no-jvms").toString());
        pb.environment().put("KH_CUDA_DIRS", tmp.resolve("no-cuda").toString());
        pb.environment().put("KH_NGINX", tmp.resolve("no-nginx").toString());
        pb.environment().putAll(env);
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Result requireTools(Map<String, String> env) throws Exception {
        return bash(env, "source scripts/jdk.sh && source scripts/ci-tools.sh && kh_require_tools && echo \"JAVA_HOME=$JAVA_HOME\"");
    }

    @Test
    void everyToolPresentPasses() throws Exception {
        Result r = requireTools(Map.of("CI", "true"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("missing");
        assertThat(r.out()).contains("JAVA_HOME=" + tmp.resolve("jdk-25"));
    }

    @Test
    void underCiAMissingCmakeCompilerOrNvccFailsNamingEach() throws Exception {
        Files.delete(bin.resolve("cmake"));
        Files.delete(bin.resolve("c++"));
        Files.delete(bin.resolve("nvcc"));
        Result r = requireTools(Map.of("CI", "true"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("installing cmake (for cmake)")
                .contains("missing: cmake (Debian package cmake)")
                .contains("missing: c++ (Debian package g++)")
                .contains("missing: nvcc (a CUDA toolkit")
                .contains("CI=true requires every tool above");
        assertThat(r.out()).doesNotContain("JAVA_HOME=");
    }

    @Test
    void underCiAMissingJdk25Fails() throws Exception {
        script(tmp.resolve("jdk-25/bin/java"), "echo 'openjdk version \"24.0.2\" 2025-07-15' >&2");
        Result r = requireTools(Map.of("CI", "true"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("missing: a JDK >= 25");
    }

    @Test
    void nvccInTheToolkitDirectoryIsPutOnPath() throws Exception {
        Files.delete(bin.resolve("nvcc"));
        Path cuda = Files.createDirectories(tmp.resolve("cuda/bin"));
        script(cuda.resolve("nvcc"), "echo fake nvcc");
        Result r = bash(Map.of("CI", "true", "KH_CUDA_DIRS", cuda.toString()),
                "source scripts/jdk.sh && source scripts/ci-tools.sh && kh_require_tools && command -v nvcc");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo(cuda.resolve("nvcc").toString());
    }

    @Test
    void outsideCiAMissingToolIsAWarningNotAFailure() throws Exception {
        Files.delete(bin.resolve("nvcc"));
        Result r = requireTools(Map.of());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("missing: nvcc").contains("not under CI=true");
    }

    // ---- scripts/test-count.sh --------------------------------------------------------------------

    private Path report(String module, String cls, int tests, int skipped, String skippedCase) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("tree/java").resolve(module).resolve("target/surefire-reports"));
        String cases = skippedCase == null ? "" : "  <testcase name=\"" + skippedCase + "\" classname=\"" + cls
                + "\" time=\"0\">\n    <skipped message=\"nvcc not found\"/>\n  </testcase>\n";
        return Files.writeString(dir.resolve("TEST-" + cls + ".xml"), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<testsuite xmlns:xsi=\"x\" name=\"" + cls + "\" time=\"1.0\" tests=\"" + tests + "\" errors=\"0\" skipped=\""
                + skipped + "\" failures=\"0\">\n" + cases + "</testsuite>\n");
    }

    private Result testCount(int floor) throws Exception {
        return bash(Map.of(), "/bin/bash scripts/test-count.sh \"$1\" \"$2\"", Integer.toString(floor),
                tmp.resolve("tree").toString());
    }

    @Test
    void testCountPassesAtTheFloorAndListsSkips() throws Exception {
        report("core", "a.ATest", 10, 0, null);
        report("cli", "b.BTest", 5, 2, "needsNvcc");
        Result r = testCount(13);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("2 test classes, 15 tests, 13 ran, 2 skipped")
                .contains("b.BTest.needsNvcc: nvcc not found");
    }

    @Test
    void testCountFindsTheReasonOfAnAssertjAssumptionInTheBody() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("tree/java/models/target/surefire-reports"));
        Files.writeString(dir.resolve("TEST-c.CTest.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <testsuite name="c.CTest" time="0.1" tests="2" errors="0" skipped="1" failures="0">
                  <testcase name="asRoot" classname="c.CTest" time="0.0">
                    <skipped type="org.opentest4j.TestAbortedException"><![CDATA[org.opentest4j.TestAbortedException:\s
                assumption was not met due to: [not root]\s
                Expecting value to be false but was true
                ]]></skipped>
                  </testcase>
                  <testcase name="fine" classname="c.CTest" time="0.0"/>
                </testsuite>
                """);
        Result r = testCount(1);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("c.CTest.asRoot: assumption was not met due to: [not root]");
    }

    @Test
    void testCountFailsBelowTheFloorAndWhenNothingRan() throws Exception {
        report("core", "a.ATest", 10, 0, null);
        Result r = testCount(11);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("only 10 tests ran, fewer than the floor of 11");
        Files.delete(tmp.resolve("tree/java/core/target/surefire-reports/TEST-a.ATest.xml"));
        Result none = testCount(1);
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.out()).contains("0 test classes, 0 tests, 0 ran");
    }
}
