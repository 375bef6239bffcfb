package io.kernelhub.bridge;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A shared library opened with the C library's own {@code dlopen}, so that a failure keeps
 * {@code dlerror()}'s text (which {@link SymbolLookup#libraryLookup} drops). Libraries are
 * never closed: ops registered from a bundle may be called at any time while the JVM runs.
 */
final class NativeLibrary {

    private static final int RTLD_NOW = 2;
    private static final Dl DL = Dl.find();

    private final Path path;
    private final MemorySegment handle;

    private NativeLibrary(Path path, MemorySegment handle) {
        this.path = path;
        this.handle = handle;
    }

    /** Why a library could not be opened, in the dynamic loader's words. */
    static final class OpenFailure extends Exception {
        private static final long serialVersionUID = 1L;

        OpenFailure(String message) {
            super(message);
        }
    }

    static NativeLibrary open(Path path) throws OpenFailure {
        if (DL == null) {
            throw new OpenFailure("this platform's C library has no dlopen/dlerror (only Linux and macOS are supported)");
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) DL.dlopen.invokeExact(call.allocateFrom(path.toString()), RTLD_NOW);
            if (handle.equals(MemorySegment.NULL)) {
                throw new OpenFailure("dlopen failed: " + lastError());
            }
            return new NativeLibrary(path, handle);
        } catch (OpenFailure e) {
            throw e;
        } catch (Throwable t) {
            throw new OpenFailure("dlopen failed: " + t);
        }
    }

    /** The address of an exported symbol, if there is one. */
    Optional<MemorySegment> find(String symbol) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment address = (MemorySegment) DL.dlsym.invokeExact(handle, call.allocateFrom(symbol));
            return address.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(address);
        } catch (Throwable t) {
            return Optional.empty();
        }
    }

    Path path() {
        return path;
    }

    private static String lastError() throws Throwable {
        MemorySegment message = (MemorySegment) DL.dlerror.invokeExact();
        return message.equals(MemorySegment.NULL) ? "unknown error" : message.reinterpret(4096).getString(0);
    }

    /** The C library's dynamic-loading functions. */
    private record Dl(MethodHandle dlopen, MethodHandle dlsym, MethodHandle dlerror) {
        static Dl find() {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            Optional<MemorySegment> open = libc.find("dlopen");
            Optional<MemorySegment> sym = libc.find("dlsym");
            Optional<MemorySegment> err = libc.find("dlerror");
            if (open.isEmpty() || sym.isEmpty() || err.isEmpty()) {
                return null;
            }
            return new Dl(
                    linker.downcallHandle(open.get(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT)),
                    linker.downcallHandle(sym.get(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS)),
                    linker.downcallHandle(err.get(), FunctionDescriptor.of(ValueLayout.ADDRESS)));
        }
    }
}
