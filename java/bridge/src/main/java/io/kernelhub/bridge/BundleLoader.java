package io.kernelhub.bridge;

import io.kernelhub.bridge.generated.kernelhub_h;
import io.kernelhub.bridge.generated.kh_host;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Loads a bundle library and runs the ABI handshake: {@code kh_abi_version()} first (nothing
 * else in the bundle runs unless it matches), then {@code kh_register} with a host table of
 * upcall stubs that collect and check the op descriptions. Upcalls never let a Java exception
 * reach native code. Every failure becomes a {@link BundleLoadException} that says what was
 * wrong and what to do.
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

    private BundleLoader() {
    }

    /**
     * Loads one library and returns its validated ops (registering nothing).
     *
     * @param library the bundle's shared library
     * @param prefix  the registry prefix its ops will get ({@code org/name[@version]})
     */
    public static LoadedBundle load(Path library, String prefix) {
        String what = "cannot load kernel bundle " + library;
        if (!Files.isRegularFile(library)) {
            throw new BundleLoadException(what, List.of("no such file"),
                    "Build the kernel first (kernelhub build DIR) or fix the path.");
        }
        NativeLibrary lib;
        try {
            lib = NativeLibrary.open(library.toAbsolutePath());
        } catch (NativeLibrary.OpenFailure e) {
            throw new BundleLoadException(what, List.of(e.getMessage()),
                    "The file must be a shared library for this OS and CPU whose dependencies are installed.");
        }
        MemorySegment versionFn = lib.find("kh_abi_version").orElseThrow(() -> new BundleLoadException(what,
                List.of("it does not export kh_abi_version"),
                "A kernelhub bundle exports kh_abi_version and kh_register (see docs/ABI.md)."));
        int version;
        try {
            version = (int) LINKER.downcallHandle(versionFn, KH_ABI_VERSION).invokeExact();
        } catch (Throwable t) {
            throw new BundleLoadException(what, List.of("kh_abi_version() failed: " + t), null);
        }
        int expected = kernelhub_h.KH_ABI_VERSION();
        if (version != expected) {
            throw new BundleLoadException(what, List.of("it was built for kernelhub ABI " + Integer.toUnsignedString(version)
                    + ", this kernelhub speaks ABI " + expected), version > expected
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
