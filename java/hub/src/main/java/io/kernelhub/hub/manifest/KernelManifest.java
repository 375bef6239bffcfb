package io.kernelhub.hub.manifest;

import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.core.version.Version;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The version manifest {@code <name>-<ver>.kernel.json}: one kernel version, every variant
 * built for it, and where it came from. Its exact bytes are what a hub signs.
 *
 * @param id            {@code org/name}
 * @param version       the kernel version
 * @param license       SPDX license id, or null
 * @param description   one line, or null
 * @param created       ISO-8601 instant of packing
 * @param sourcesSha256 digest of the kernel's sources (every variant was built from them)
 * @param variants      the variants, at least one, names unique
 */
public record KernelManifest(String id, Version version, String license, String description, String created,
        String sourcesSha256, List<VariantEntry> variants) {

    public static final int SCHEMA = 1;

    public KernelManifest {
        if (id == null) {
            throw new ManifestException("manifest has no id");
        }
        try {
            HubKernelId parsed = HubKernelId.parse(id);
            if (parsed.versionSpec() != null || parsed.op() != null) {
                throw new ManifestException("manifest id '" + id + "' must be org/name (no version or op)");
            }
        } catch (IllegalArgumentException e) {
            throw new ManifestException("manifest id: " + e.getMessage());
        }
        if (version == null) {
            throw new ManifestException("manifest of " + id + " has no version");
        }
        if (variants == null || variants.isEmpty()) {
            throw new ManifestException("manifest of " + id + " " + version + " lists no variants");
        }
        variants = List.copyOf(variants);
        Set<String> names = new HashSet<>();
        for (VariantEntry v : variants) {
            if (!names.add(v.name())) {
                throw new ManifestException("manifest of " + id + " " + version + " lists variant " + v.name() + " twice");
            }
        }
    }

    public String org() {
        return id.substring(0, id.indexOf('/'));
    }

    public String name() {
        return id.substring(id.indexOf('/') + 1);
    }

    public Optional<VariantEntry> variant(String name) {
        return variants.stream().filter(v -> v.name().equals(name)).findFirst();
    }

    /** File name of this manifest in its version directory. */
    public String fileName() {
        return HubLayout.manifestFile(name(), version);
    }
}
