package io.kernelhub.hub.check;

import io.kernelhub.bridge.BundleLoader;
import io.kernelhub.bridge.elf.ElfImage;
import io.kernelhub.bridge.elf.LoadRules;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Nothing outside the signature runs: a bundle library may make the dynamic loader load only
 * system libraries ({@link LoadRules#isSystemLibrary}) and libraries the bundle itself ships,
 * found through {@code $ORIGIN}. Its RPATH/RUNPATH entries must be {@code $ORIGIN} or
 * {@code $ORIGIN/sub/dir}: an empty entry or {@code .} is the working directory of whatever process
 * loads it, an absolute directory is wherever someone can write, {@code $ORIGIN/..} leaves the
 * bundle, and any of them lets a planted {@code libcuda.so.1} run inside the process. It has no
 * {@code DT_FILTER}/{@code DT_AUXILIARY}/{@code DT_AUDIT}/{@code DT_DEPAUDIT} entries.
 *
 * <p>Applied by {@code kernelhub check} (so by {@code publish}), by the client after a bundle is
 * installed into the cache, and by the loader to the bytes it is about to load. It reads the
 * file's dynamic section the way {@code ld.so} does ({@link ElfImage}).
 */
public final class LibraryPolicy {

    private static final String ADVICE_ORIGIN = "link with -Wl,-rpath,'$ORIGIN'";
    private static final String ADVICE_RPATH = ADVICE_ORIGIN + " (for libraries shipped in the bundle) or drop the rpath "
            + "(a kernelhub bundle needs none)";

    private LibraryPolicy() {
    }

    /**
     * The problems of one library's bytes. A dependency that is not a system library is accepted
     * only when {@code libraryDir} (where the library lies: what {@code $ORIGIN} means) holds it
     * under an {@code $ORIGIN} entry of its search path; with {@code libraryDir} null, never.
     *
     * @return every problem, each naming the entry and what to do; empty when the library passes
     */
    public static List<String> check(byte[] elf, Path libraryDir) {
        ElfImage image;
        try {
            image = ElfImage.parse(elf);
        } catch (ElfImage.Malformed e) {
            return List.of("it is not a well-formed ELF shared library: " + e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        if (image.type() != ElfImage.ET_DYN) {
            problems.add("it is not a shared library (ELF type " + image.type() + ")");
        }
        if (!image.dynamic()) {
            problems.add("it has no dynamic section (PT_DYNAMIC): it is not a loadable shared library");
        }
        searchPath("DT_RUNPATH", image.runpath(), problems);
        searchPath("DT_RPATH", image.rpath(), problems);
        for (String other : image.otherLoads()) {
            problems.add(other + ": makes the dynamic loader load another object besides the library's own dependencies; "
                    + "drop it (kernelhub bundles use none)");
        }
        for (String name : image.needed()) {
            if (LoadRules.isSystemLibrary(name)) {
                continue;
            }
            if (!LoadRules.isPlainLibraryName(name)) {
                problems.add("DT_NEEDED '" + name + "' is not a plain library file name" + (name.contains("/")
                        ? " (a name with '/' is opened as a path, bypassing every search rule)" : "")
                        + "; link against the library by name (-lNAME), or link it statically");
            } else if (shipped(image, libraryDir, name).isEmpty()) {
                problems.add("DT_NEEDED " + name + " is neither a system library (" + systemLibraries()
                        + ") nor shipped in the bundle next to the library and reached through a $ORIGIN run path: link it "
                        + "statically or drop it, or ship it in the bundle and " + ADVICE_ORIGIN);
            }
        }
        try {
            image.abiVersion();
        } catch (ElfImage.Malformed e) {
            problems.add(e.getMessage());
        }
        return problems;
    }

    /** The same check for the loader, with {@code $ORIGIN} the directory the file lies in. */
    public static BundleLoader.LibraryVetter vetter() {
        return (library, bytes) -> check(bytes, library.toAbsolutePath().normalize().getParent());
    }

    /**
     * A bundle's library and every library it ships and needs, read from {@code bundleDir} without
     * following symbolic links; each problem is prefixed with the file it is about.
     *
     * @param library the library's path relative to {@code bundleDir} (kernel.json's {@code library})
     */
    public static List<String> checkBundle(Path bundleDir, String library) {
        List<String> problems = new ArrayList<>();
        Path root = bundleDir.toAbsolutePath().normalize();
        walk(root, root.resolve(library).normalize(), new HashSet<>(), problems, 0);
        return problems;
    }

    /**
     * The check of an installed cache entry, for the client: empty when the library is missing
     * (the caller reports that) or passes.
     */
    public static List<String> checkInstalled(Path entryDir, String library) {
        if (!Files.exists(entryDir.resolve(library), LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        return checkBundle(entryDir, library);
    }

    /** The names of the libraries {@code library} needs that the bundle ships (for the portability check). */
    static Set<String> shippedDependencies(byte[] elf, Path libraryDir) {
        Set<String> out = new TreeSet<>();
        try {
            ElfImage image = ElfImage.parse(elf);
            for (String name : image.needed()) {
                if (!LoadRules.isSystemLibrary(name) && LoadRules.isPlainLibraryName(name)
                        && shipped(image, libraryDir, name).isPresent()) {
                    out.add(name);
                }
            }
        } catch (ElfImage.Malformed e) {
            // the policy reports it
        }
        return out;
    }

    private static void walk(Path root, Path file, Set<Path> seen, List<String> problems, int depth) {
        if (!seen.add(file)) {
            return;
        }
        String name = root.relativize(file).toString();
        if (!file.startsWith(root)) {
            problems.add(name + ": lies outside the bundle");
            return;
        }
        byte[] bytes;
        try {
            bytes = readNoFollow(file);
        } catch (IOException e) {
            problems.add(name + ": " + (Files.isSymbolicLink(file) ? "is a symbolic link; a bundle's libraries must be "
                    + "regular files in it" : "cannot be read: " + e.getMessage()));
            return;
        }
        try {
            if (!file.toRealPath().startsWith(root.toRealPath())) {
                problems.add(name + ": lies outside the bundle (through a symbolic link to a directory)");
                return;
            }
        } catch (IOException e) {
            problems.add(name + ": cannot be resolved: " + e.getMessage());
            return;
        }
        Path dir = file.getParent();
        check(bytes, dir).forEach(p -> problems.add(name + ": " + p));
        if (depth >= 8) {
            return;
        }
        try {
            ElfImage image = ElfImage.parse(bytes);
            for (String dep : image.needed()) {
                if (!LoadRules.isSystemLibrary(dep) && LoadRules.isPlainLibraryName(dep)) {
                    shipped(image, dir, dep).ifPresent(p -> walk(root, p, seen, problems, depth + 1));
                }
            }
        } catch (ElfImage.Malformed e) {
            // reported by check
        }
    }

    /** Reads a file's bytes through one descriptor opened without following a symbolic link. */
    static byte[] readNoFollow(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(Files.isSymbolicLink(file) ? "a symbolic link" : "not a regular file");
        }
        try (InputStream in = Channels.newInputStream(Files.newByteChannel(file, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS))) {
            return in.readAllBytes();
        }
    }

    /** Where the bundle ships {@code name} for this library: the first $ORIGIN entry of its search path holding it. */
    private static Optional<Path> shipped(ElfImage image, Path libraryDir, String name) {
        if (libraryDir == null) {
            return Optional.empty();
        }
        for (String raw : image.searchPath()) {
            for (String entry : LoadRules.entries(raw)) {
                Optional<String> rel = LoadRules.originRelative(entry);
                if (rel.isPresent()) {
                    Path p = libraryDir.resolve(rel.get()).resolve(name).normalize();
                    if (p.startsWith(libraryDir) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        return Optional.of(p);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static void searchPath(String tag, List<String> values, List<String> problems) {
        for (String raw : values) {
            for (String entry : LoadRules.entries(raw)) {
                if (LoadRules.originRelative(entry).isPresent()) {
                    continue;
                }
                String why;
                if (entry.isEmpty()) {
                    why = "an empty entry (in \"" + raw + "\") means the working directory of the process that loads the "
                            + "bundle: a libcuda.so.1 or any other library planted there would run";
                } else if (entry.startsWith("$ORIGIN") || entry.startsWith("${ORIGIN}")) {
                    why = "'" + entry + "' leaves the bundle directory (or is not a plain $ORIGIN/sub/dir path)";
                } else if (entry.contains("$")) {
                    why = "'" + entry + "' expands to a directory outside the bundle";
                } else if (entry.startsWith("/")) {
                    why = "'" + entry + "' is an absolute directory outside the bundle: whoever can write there can plant "
                            + "a library that runs" + (isWritableByOthers(entry) ? " (and it is writable by others here)" : "");
                } else {
                    why = "'" + entry + "' is relative to the working directory of the process that loads the bundle: a "
                            + "libcuda.so.1 or any other library planted there would run";
                }
                problems.add(tag + " " + why + "; " + ADVICE_RPATH);
            }
        }
    }

    private static boolean isWritableByOthers(String dir) {
        try {
            var perms = Files.getPosixFilePermissions(Path.of(dir));
            return perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)
                    || perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String systemLibraries() {
        return String.join(", ", new TreeSet<>(LoadRules.SYSTEM_LIBRARIES)) + ", ld-linux*.so.N";
    }
}
