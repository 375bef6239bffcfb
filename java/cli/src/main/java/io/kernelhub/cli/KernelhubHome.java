package io.kernelhub.cli;

import java.nio.file.Path;

/** {@code KERNELHUB_HOME}, default {@code ~/.kernelhub}. */
final class KernelhubHome {
    private KernelhubHome() {
    }

    static Path get() {
        return from(System.getenv(EnvSettings.HOME));
    }

    /** The home a value of the variable stands for (unset or blank = the default). */
    static Path from(String value) {
        return value == null || value.isBlank() ? Path.of(System.getProperty("user.home"), ".kernelhub") : Path.of(value);
    }
}
