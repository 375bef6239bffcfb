package io.kernelhub.cli;

import java.nio.file.Path;

/** {@code KERNELHUB_HOME}, default {@code ~/.kernelhub}. */
final class KernelhubHome {
    private KernelhubHome() {
    }

    static Path get() {
        String home = System.getenv(EnvSettings.HOME);
        return home == null || home.isBlank() ? Path.of(System.getProperty("user.home"), ".kernelhub") : Path.of(home);
    }
}
