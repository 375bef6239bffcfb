package io.kernelhub.bridge.elf;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules about where a bundle's code may come from that the loader and the hub's
 * {@code LibraryPolicy} share: which dependencies count as system libraries (found in the
 * system's own directories, never in the bundle or the working directory), and which search-path
 * entries stay inside the bundle ({@code $ORIGIN} and {@code $ORIGIN/sub/dirs}, nothing else).
 */
public final class LoadRules {

    /**
     * Libraries a bundle may need from the system: the C runtime, the C++ runtime and unwinder (the
     * portability check of {@code kernelhub check} asks for them to be linked statically, but they
     * load only from system directories), the dynamic loader and, for CUDA, the driver.
     */
    public static final Set<String> SYSTEM_LIBRARIES = Set.of("libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0",
            "librt.so.1", "libgcc_s.so.1", "libstdc++.so.6", "libcuda.so.1");
    private static final Pattern DYNAMIC_LOADER = Pattern.compile("ld-linux(-[a-z0-9_-]+)?\\.so\\.[0-9]+");
    /** A plain file name ld.so searches for: no directory, no NUL, no oddities. */
    private static final Pattern LIBRARY_NAME = Pattern.compile("[A-Za-z0-9_+][A-Za-z0-9_+.-]*\\.so(\\.[0-9]+)*");
    private static final Pattern ORIGIN = Pattern.compile("^(\\$ORIGIN|\\$\\{ORIGIN\\})(/.*)?$");

    private LoadRules() {
    }

    /** Whether a DT_NEEDED name is one of the system libraries a bundle may use. */
    public static boolean isSystemLibrary(String name) {
        return SYSTEM_LIBRARIES.contains(name) || DYNAMIC_LOADER.matcher(name).matches();
    }

    /** Whether a DT_NEEDED name is a plain library file name (no '/', which ld.so would open as a path). */
    public static boolean isPlainLibraryName(String name) {
        return LIBRARY_NAME.matcher(name).matches();
    }

    /** The entries of an RPATH/RUNPATH string, empty ones included (ld.so reads those as the working directory). */
    public static List<String> entries(String path) {
        return List.of(path.split(":", -1));
    }

    /**
     * The directory below the library's own that a search-path entry names, when the entry stays
     * inside the bundle: {@code ""} for {@code $ORIGIN}, {@code "lib"} for {@code $ORIGIN/lib};
     * empty for everything else (relative, empty, absolute, other substitutions, {@code .} or
     * {@code ..} components).
     */
    public static Optional<String> originRelative(String entry) {
        var m = ORIGIN.matcher(entry);
        if (!m.matches()) {
            return Optional.empty();
        }
        String rest = m.group(2) == null ? "" : m.group(2).substring(1);
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.isEmpty()) {
            return Optional.of("");
        }
        List<String> parts = new ArrayList<>(List.of(rest.split("/", -1)));
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".") || p.equals("..") || p.contains("$")) {
                return Optional.empty();
            }
        }
        return Optional.of(rest);
    }
}
