package io.kernelhub.bridge;

import io.kernelhub.bridge.elf.ElfImage;
import io.kernelhub.bridge.elf.LoadRules;
import io.kernelhub.bridge.generated.kernelhub_h;
import io.kernelhub.bridge.generated.kh_host;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Loads a bundle library and runs the ABI handshake. Before anything is loaded, the library is
 * opened once (never through a symbolic link) and read from that descriptor; those bytes are
 * checked (the expected SHA-256 when one is given, the ABI note, the caller's
 * {@link LibraryVetter}), and then exactly that open file is handed to {@code dlopen}
 * ({@code /proc/self/fd/N}). A library whose ABI note ({@code .note.kernelhub}, see
 * {@code kernelhub.h}) names another ABI is refused without ever being loaded: none of its code,
 * constructors included, runs. A library without the note (built before it existed) is loaded,
 * which runs its constructors, and judged by {@code kh_abi_version()}: a weaker check. Then
 * {@code kh_abi_version()} (nothing else in the bundle is called unless it matches) and
 * {@code kh_register} with a host table of upcall stubs that collect and check the op
 * descriptions. Upcalls never let a Java exception reach native code. Every failure becomes a
 * {@link BundleLoadException} that says what was wrong and what to do; a digest mismatch is an
 * {@link AlteredLibraryException}.
 */
public final class BundleLoader {

    private static final System.Logger LOG = System.getLogger("io.kernelhub.bridge");
    private static final int ERR_CAP = 1024;
    private static final Linker LINKER = Linker.nativeLinker();
    /*
     * The downcall descriptors of the two functions every bundle exports: the ones jextract
     * generated as kernelhub_h.kh_abi_version$descriptor() and kh_register$descriptor()
     * (GeneratedBindingsTest compares them). Those methods are not called here because they
     * initialize a holder that looks the symbol up among the libraries loaded into the JVM
     * (jextract binds functions the host links against) and throws when it is missing; a
     * bundle's exports are found in that bundle's own library, one per bundle.
     */
    static final FunctionDescriptor KH_ABI_VERSION = FunctionDescriptor.of(kernelhub_h.C_INT);
    static final FunctionDescriptor KH_REGISTER = FunctionDescriptor.of(kernelhub_h.C_INT, kernelhub_h.C_POINTER,
            kernelhub_h.C_POINTER, kernelhub_h.C_LONG);
    private static final int MAX_DEPENDENCY_DEPTH = 8;

    private BundleLoader() {
    }

    /**
     * Inspects a library's bytes before it is loaded.
     */
    @FunctionalInterface
    public interface LibraryVetter {
        /**
         * @param library the file (the bundle's library or a library it ships and needs)
         * @param bytes   its contents, as they will be loaded
         * @return every reason to refuse it; empty to load it
         */
        List<String> problems(Path library, byte[] bytes);
    }

    /**
     * Remembers files whose digest was verified, by the identity of the very inode that was read
     * (device, inode number, size, change time, taken from the open descriptor): a later load of
     * the same, unchanged inode need not hash it again. Any write to the file changes its change
     * time, and a replacement is another inode, so neither can inherit a remembered verification;
     * the record itself lives beside the receipt, under the same directory checks.
     */
    public interface VerifiedFiles {
        /** True when the file opened as {@code identity} was verified to have {@code sha256}. */
        boolean verified(Path file, String identity, String sha256);

        /** Records that the file opened as {@code identity} has {@code sha256}. */
        void remember(Path file, String identity, String sha256);
    }

    /**
     * What a load checks besides the ABI.
     *
     * @param sha256 the expected digest of every file that may be loaded (the library and the
     *               libraries it ships), keyed by absolute path; a file missing from it or with
     *               other bytes is refused. Null: no expectations (a local build).
     * @param vetter inspects each file's bytes before it is loaded (null: none)
     */
    public record Checks(Map<Path, String> sha256, LibraryVetter vetter, VerifiedFiles verified) {
        /** Open once, no symbolic links, ABI note: what every load gets. */
        public static final Checks NONE = new Checks(null, null, null);

        /** Checks without a memory of verified files (every load hashes). */
        public Checks(Map<Path, String> sha256, LibraryVetter vetter) {
            this(sha256, vetter, null);
        }

        public Checks {
            if (sha256 != null) {
                Map<Path, String> m = new HashMap<>();
                sha256.forEach((k, v) -> m.put(k.toAbsolutePath().normalize(), v));
                sha256 = Map.copyOf(m);
            }
        }
    }

    /**
     * Loads one library and returns its validated ops (registering nothing), with no expected
     * digest and no vetting (the file is still opened once, without following links, and its ABI
     * note checked before it is loaded).
     *
     * @param library the bundle's shared library
     * @param prefix  the registry prefix its ops will get ({@code org/name[@version]})
     */
    public static LoadedBundle load(Path library, String prefix) {
        return load(library, prefix, Checks.NONE);
    }

    /**
     * Loads one library after checking its bytes and returns its validated ops (registering nothing).
     *
     * @param library the bundle's shared library
     * @param prefix  the registry prefix its ops will get ({@code org/name[@version]})
     * @param checks  the expected digests and the vetter
     * @throws AlteredLibraryException when a file's digest is not the expected one
     */
    public static LoadedBundle load(Path library, String prefix, Checks checks) {
        String what = "cannot load kernel bundle " + library;
        if (!Files.exists(library, LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleLoadException(what, List.of("no such file"),
                    "Build the kernel first (kernelhub build DIR) or fix the path.");
        }
        int expected = kernelhub_h.KH_ABI_VERSION();
        Checked checked = openChecked(library, checks, what, expected);
        NativeLibrary lib;
        try {
            loadShippedDependencies(checked, checks, what, expected, new HashSet<>(), 0);
            lib = NativeLibrary.open(Path.of(checked.file().loadPath()));
        } catch (NativeLibrary.OpenFailure e) {
            checked.file().close();
            throw new BundleLoadException(what, List.of(e.getMessage()),
                    "The file must be a shared library for this OS and CPU whose dependencies are installed.");
        } catch (RuntimeException e) {
            checked.file().close();
            throw e;
        }
        // loaded: its descriptor stays open while the library is (always; see OpenedLibrary)
        MemorySegment versionFn = lib.find("kh_abi_version").orElseThrow(() -> new BundleLoadException(what,
                List.of("it does not export kh_abi_version"),
                "A kernelhub bundle exports kh_abi_version and kh_register (see docs/ABI.md)."));
        int version;
        try {
            version = (int) LINKER.downcallHandle(versionFn, KH_ABI_VERSION).invokeExact();
        } catch (Throwable t) {
            throw new BundleLoadException(what, List.of("kh_abi_version() failed: " + t), null);
        }
        if (version != expected) {
            throw new BundleLoadException(what, List.of("it was built for kernelhub ABI " + Integer.toUnsignedString(version)
                    + ", this kernelhub speaks ABI " + expected + (checked.note().isPresent() ? " (its " + ElfImage.NOTE_SECTION
                    + " says " + Integer.toUnsignedString(checked.note().getAsInt()) + ": the library contradicts itself)"
                    : "")), Integer.compareUnsigned(version, expected) > 0
                    ? "Upgrade kernelhub, or use a build of the kernel for ABI " + expected + "."
                    : "Rebuild the kernel against this kernelhub's native/include/kernelhub.h.");
        }
        MemorySegment registerFn = lib.find("kh_register").orElseThrow(() -> new BundleLoadException(what,
                List.of("it does not export kh_register"),
                "A kernelhub bundle exports kh_abi_version and kh_register (see docs/ABI.md)."));
        Arena arena = Arena.ofShared(); // owned by the bundle; never closed while its ops may run
        Registration registration = new Registration();
        MemorySegment host = kh_host.allocate(arena);
        kh_host.struct_size(host, (int) kh_host.sizeof());
        kh_host.abi_version(host, expected);
        kh_host.host_ctx(host, MemorySegment.NULL);
        kh_host.register_op(host, kh_host.register_op.allocate(registration::registerOp, arena));
        kh_host.log(host, kh_host.log.allocate(registration::log, arena));
        MemorySegment err = arena.allocate(ERR_CAP);
        int status;
        try {
            MethodHandle register = LINKER.downcallHandle(registerFn, KH_REGISTER);
            status = (int) register.invokeExact(host, err, (long) ERR_CAP);
        } catch (Throwable t) {
            throw new BundleLoadException(what, List.of("kh_register failed: " + t), null);
        }
        registration.closed = true;
        if (status != kernelhub_h.KH_OK() || !registration.problems.isEmpty()) {
            List<String> problems = new ArrayList<>(registration.problems);
            if (status != kernelhub_h.KH_OK()) {
                problems.add("kh_register returned " + StatusCodes.name(status) + ": " + message(err));
            }
            throw new BundleLoadException(what, problems, registration.problems.isEmpty() ? null
                    : "Fix the op descriptions the bundle registers (see docs/ABI.md, kh_op_desc).");
        }
        if (registration.ops.isEmpty()) {
            throw new BundleLoadException(what, List.of("kh_register succeeded but registered no op"), null);
        }
        long defaults = registration.ops.stream().filter(NativeOp::isDefault).count();
        if (defaults > 1) {
            throw new BundleLoadException(what, List.of(defaults + " ops are flagged is_default; at most one may be"), null);
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "loaded " + library + " as " + prefix + " with ops "
                + registration.ops.stream().map(NativeOp::name).toList());
        return new LoadedBundle(prefix, library, version, registration.ops, arena);
    }

    /** A file opened once and checked, not loaded yet. */
    private record Checked(OpenedLibrary file, ElfImage image, OptionalInt note) {}

    /**
     * Opens a file once and checks its bytes: the expected digest, the vetter, the ABI note. On
     * any failure the descriptor is closed and nothing was loaded.
     */
    private static Checked openChecked(Path file, Checks checks, String what, int expected) {
        OpenedLibrary opened;
        try {
            opened = OpenedLibrary.open(file);
        } catch (OpenedLibrary.Failure f) {
            throw new BundleLoadException(what, List.of(file + ": " + f.getMessage()), null);
        }
        try {
            byte[] bytes = opened.bytes();
            if (checks.sha256() != null) {
                String want = checks.sha256().get(file.toAbsolutePath().normalize());
                String identity = checks.verified() == null || want == null ? null : opened.identity();
                // hashing in a fresh JVM costs ~50 ms/MB (not yet compiled): skip it for an inode verified before
                if (identity == null || !checks.verified().verified(file, identity, want)) {
                    String got = sha256(bytes);
                    if (!got.equals(want)) {
                        throw new AlteredLibraryException(file, want, got);
                    }
                    if (identity != null) checks.verified().remember(file, identity, want);
                }
            }
            if (checks.vetter() != null) {
                List<String> problems = checks.vetter().problems(file, bytes);
                if (!problems.isEmpty()) {
                    throw new BundleLoadException(what, problems.stream().map(p -> file.getFileName() + ": " + p).toList(),
                            "Refused before loading it: none of its code ran. Rebuild the bundle so that kernelhub "
                                    + "check passes (docs/HUB.md).");
                }
            }
            ElfImage image;
            try {
                image = ElfImage.parse(bytes);
            } catch (ElfImage.Malformed notElf) {
                return new Checked(opened, null, OptionalInt.empty()); // dlopen says what it is (a vetter refused it already)
            }
            OptionalInt note;
            try {
                note = image.abiVersion();
            } catch (ElfImage.Malformed m) {
                throw new BundleLoadException(what, List.of(file.getFileName() + ": " + m.getMessage()),
                        "Rebuild every object of the kernel against one kernelhub.h.");
            }
            if (note.isPresent() && note.getAsInt() != expected) {
                int v = note.getAsInt();
                throw new BundleLoadException(what, List.of("its " + ElfImage.NOTE_SECTION + " says it was built for kernelhub "
                        + "ABI " + Integer.toUnsignedString(v) + ", this kernelhub speaks ABI " + expected
                        + "; it was not loaded, so none of its code ran"), Integer.compareUnsigned(v, expected) > 0
                        ? "Upgrade kernelhub, or use a build of the kernel for ABI " + expected + "."
                        : "Rebuild the kernel against this kernelhub's native/include/kernelhub.h.");
            }
            if (note.isEmpty()) {
                LOG.log(System.Logger.Level.DEBUG, () -> file + " has no " + ElfImage.NOTE_SECTION + " ABI note (built "
                        + "before it existed): its ABI is known only after loading it, which runs its constructors");
            }
            return new Checked(opened, image, note);
        } catch (RuntimeException e) {
            opened.close();
            throw e;
        }
    }

    /**
     * Loads, through the same checks, the libraries the bundle ships and needs: names that are not
     * system libraries, found through an {@code $ORIGIN} entry of the library's search path. The
     * dynamic loader then finds them loaded, by their {@code DT_SONAME}, instead of searching
     * {@code $ORIGIN} (which for a library loaded through {@code /proc/self/fd/N} is
     * {@code /proc/self/fd}). Names found nowhere are left to the dynamic loader, which names them.
     */
    private static void loadShippedDependencies(Checked lib, Checks checks, String what, int expected, Set<Path> seen,
            int depth) {
        if (lib.image() == null) {
            return;
        }
        Path dir = lib.file().path().toAbsolutePath().normalize().getParent();
        for (String name : lib.image().needed()) {
            if (LoadRules.isSystemLibrary(name) || !LoadRules.isPlainLibraryName(name)) {
                continue;
            }
            Path shipped = null;
            for (String raw : lib.image().searchPath()) {
                for (String entry : LoadRules.entries(raw)) {
                    Optional<String> rel = LoadRules.originRelative(entry);
                    if (shipped == null && rel.isPresent()
                            && Files.exists(dir.resolve(rel.get()).resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                        shipped = dir.resolve(rel.get()).resolve(name).normalize();
                    }
                }
            }
            if (shipped == null || !seen.add(shipped)) {
                continue;
            }
            if (depth >= MAX_DEPENDENCY_DEPTH) {
                throw new BundleLoadException(what, List.of("its shipped libraries nest deeper than " + MAX_DEPENDENCY_DEPTH),
                        null);
            }
            Checked dep = openChecked(shipped, checks, what, expected);
            try {
                if (dep.image() != null && !name.equals(dep.image().soname())) {
                    throw new BundleLoadException(what, List.of("it needs " + name + ", which it ships as " + shipped
                            + " with DT_SONAME " + dep.image().soname()), "Link " + shipped.getFileName()
                            + " with -Wl,-soname," + name + ".");
                }
                loadShippedDependencies(dep, checks, what, expected, seen, depth + 1);
                NativeLibrary.open(Path.of(dep.file().loadPath()));
            } catch (NativeLibrary.OpenFailure e) {
                dep.file().close();
                throw new BundleLoadException(what, List.of(shipped + ": " + e.getMessage()), null);
            } catch (RuntimeException e) {
                dep.file().close();
                throw e;
            }
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String message(MemorySegment err) {
        String m = OpDescriptions.cString(err, ERR_CAP - 1);
        return m == null || m.isBlank() ? "(no message)" : m;
    }

    /** The state the upcalls write into during kh_register. */
    private static final class Registration {
        final List<NativeOp> ops = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        volatile boolean closed;

        /** Upcall: must never throw. */
        int registerOp(MemorySegment hostCtx, MemorySegment desc) {
            try {
                if (closed) {
                    return kernelhub_h.KH_ERR_INVALID_ARGUMENT();
                }
                OpDescriptions.Result r = OpDescriptions.read(desc);
                switch (r) {
                    case OpDescriptions.Valid v -> {
                        if (!names.add(v.op().name())) {
                            problems.add("op '" + v.op().name() + "' is registered twice");
                            return kernelhub_h.KH_ERR_INVALID_ARGUMENT();
                        }
                        ops.add(v.op());
                        return kernelhub_h.KH_OK();
                    }
                    case OpDescriptions.Invalid inv -> {
                        problems.add("op '" + inv.name() + "': " + String.join("; ", inv.problems()));
                        return kernelhub_h.KH_ERR_INVALID_ARGUMENT();
                    }
                }
            } catch (Throwable t) {
                problems.add("register_op failed in the host: " + t);
                return kernelhub_h.KH_ERR_INTERNAL();
            }
        }

        /** Upcall: must never throw. */
        void log(MemorySegment hostCtx, int level, MemorySegment message) {
            try {
                String text = Optional.ofNullable(OpDescriptions.cString(message, 4096)).orElse("");
                System.Logger.Level l = switch (level) {
                    case 0 -> System.Logger.Level.DEBUG;
                    case 1 -> System.Logger.Level.INFO;
                    case 2 -> System.Logger.Level.WARNING;
                    default -> System.Logger.Level.ERROR;
                };
                LOG.log(l, "[bundle] " + text);
            } catch (Throwable ignored) {
                // nothing may cross back into native code
            }
        }
    }
}
