package io.kernelhub.hub.manifest;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One variant in a version manifest: its archive (name, SHA-256, size), the library inside
 * it, and its build's metadata.
 *
 * @param name         {@code <backend>-<arch>-<os>}, e.g. {@code cu130-x86_64-linux}
 * @param archive      the archive's file name in the version directory
 * @param sha256       lower-case hex SHA-256 of the archive
 * @param size         the archive's size in bytes
 * @param library      the library's file name inside the archive (and its kernel.json beside it)
 * @param abiVersion   the kernelhub.h ABI version the library was built against
 * @param requirements what it needs from the machine
 * @param metadata     the variant's kernel.json as built (ops, build provenance), as compact JSON text
 */
public record VariantEntry(String name, String archive, String sha256, long size, String library, int abiVersion,
        Requirements requirements, String metadata) {

    private static final Pattern NAME = Pattern.compile("(cpu|cu\\d{2,4})-([a-z0-9_]+)-([a-z0-9]+)");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,199}");

    public VariantEntry {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ManifestException("bad variant name '" + name + "': expected <backend>-<arch>-<os>, e.g. "
                    + "cpu-x86_64-linux or cu130-x86_64-linux");
        }
        if (archive == null || !FILE.matcher(archive).matches()) {
            throw new ManifestException("variant " + name + ": bad archive file name '" + archive + "'");
        }
        if (library == null || !FILE.matcher(library).matches()) {
            throw new ManifestException("variant " + name + ": bad library file name '" + library + "'");
        }
        if (sha256 == null || !HEX64.matcher(sha256).matches()) {
            throw new ManifestException("variant " + name + ": sha256 must be 64 lower-case hex digits, got '" + sha256 + "'");
        }
        if (size < 0) {
            throw new ManifestException("variant " + name + ": negative archive size " + size);
        }
        if (metadata == null || metadata.isBlank()) {
            metadata = "{}";
        }
        if (requirements == null) {
            throw new ManifestException("variant " + name + ": no requirements");
        }
    }

    /** {@code cpu} or {@code cuXY}. */
    public String backend() {
        return name.substring(0, name.indexOf('-'));
    }

    public String arch() {
        String rest = name.substring(name.indexOf('-') + 1);
        return rest.substring(0, rest.lastIndexOf('-'));
    }

    public String os() {
        return name.substring(name.lastIndexOf('-') + 1);
    }

    public boolean isCuda() {
        return backend().toLowerCase(Locale.ROOT).startsWith("cu");
    }
}
