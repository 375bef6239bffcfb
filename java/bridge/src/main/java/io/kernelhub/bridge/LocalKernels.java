package io.kernelhub.bridge;

import io.kernelhub.core.attention.HubKernelId;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code KERNELHUB_LOCAL_KERNELS=org/name=DIR[,org/name=DIR]}: kernel ids that resolve to a
 * local build directory instead of a hub, for kernel development.
 */
public record LocalKernels(Map<String, Path> directories) {

    public static final String ENV = "KERNELHUB_LOCAL_KERNELS";

    public LocalKernels {
        directories = Map.copyOf(directories);
    }

    public static LocalKernels fromEnvironment() {
        return parse(System.getenv(ENV));
    }

    /** Parses the variable's value; a malformed entry is an error that quotes it. */
    public static LocalKernels parse(String value) {
        Map<String, Path> dirs = new LinkedHashMap<>();
        if (value == null || value.isBlank()) {
            return new LocalKernels(dirs);
        }
        for (String entry : value.split(",")) {
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq <= 0 || eq == e.length() - 1) {
                throw new IllegalArgumentException(ENV + " entry '" + e + "' must be org/name=DIR");
            }
            String id = e.substring(0, eq).strip();
            HubKernelId parsed;
            try {
                parsed = HubKernelId.parse(id);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(ENV + " entry '" + e + "': " + ex.getMessage(), ex);
            }
            if (parsed.versionSpec() != null || parsed.op() != null) {
                throw new IllegalArgumentException(ENV + " entry '" + e + "' maps a kernel, org/name, without @version or :op");
            }
            dirs.put(parsed.kernel(), Path.of(e.substring(eq + 1).strip()));
        }
        return new LocalKernels(dirs);
    }

    public Optional<Path> directoryFor(HubKernelId id) {
        return Optional.ofNullable(directories.get(id.kernel()));
    }
}
