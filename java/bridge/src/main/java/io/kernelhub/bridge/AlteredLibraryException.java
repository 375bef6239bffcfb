package io.kernelhub.bridge;

import io.kernelhub.core.attention.KernelResolutionException;
import java.nio.file.Path;

/**
 * A library's bytes differ from the digest its installer recorded (or it is not among the files
 * recorded): the copy on disk was altered after it was verified. Nothing of it was loaded. The hub
 * resolver catches this, evicts the cache entry and installs it afresh once.
 */
public final class AlteredLibraryException extends KernelResolutionException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String expected;
    private final String actual;

    public AlteredLibraryException(Path file, String expected, String actual) {
        super("refusing to load " + file + ": " + (expected == null
                ? "it is not among the files recorded when its bundle was installed (something was added there)"
                : "its sha256 is " + actual + ", but " + expected + " was recorded when its bundle was installed: "
                + "the cached copy was altered") + ". Nothing of it was loaded. kernelhub cache verify lists damaged "
                + "entries; a damaged entry is evicted and installed afresh on the next resolve.");
        this.file = file;
        this.expected = expected;
        this.actual = actual;
    }

    /** The refused file. */
    public Path file() {
        return file;
    }

    /** The digest recorded at install time, or null when the file was not recorded at all. */
    public String expected() {
        return expected;
    }

    /** The digest of the bytes found. */
    public String actual() {
        return actual;
    }
}
