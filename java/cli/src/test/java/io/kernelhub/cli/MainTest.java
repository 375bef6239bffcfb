package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void versionAndHelp() {
        Cli v = Cli.run("--version");
        assertThat(v.exit()).isZero();
        assertThat(v.out()).startsWith("kernelhub ").contains("JDK");
        Cli h = Cli.run("--help");
        assertThat(h.exit()).isZero();
        assertThat(h.out()).contains("doctor", "list", "attend", "demo", "Exit codes");
        for (String cmd : new String[] {"doctor", "list", "attend", "demo"}) {
            Cli c = Cli.run(cmd, "--help");
            assertThat(c.exit()).as(cmd).isZero();
            assertThat(c.out()).contains("Usage: kernelhub " + cmd);
            assertThat(Cli.run("help", cmd).out()).contains("Usage: kernelhub " + cmd);
        }
    }
}
