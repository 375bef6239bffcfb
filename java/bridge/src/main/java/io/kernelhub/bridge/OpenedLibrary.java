package io.kernelhub.bridge;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;

/**
 * A library file opened once, without following a symbolic link at its last component, and read
 * whole from that descriptor: the bytes the loader hashes and inspects are the bytes of the file
 * {@link #loadPath()} names to {@code dlopen} ({@code /proc/self/fd/N}, the same open file, on
 * Linux), whatever is renamed over the path in between.
 *
 * <p>The descriptor stays open for as long as the library is loaded (libraries are never
 * unloaded): {@code dlopen} remembers a library by the name it was given, so a closed and reused
 * descriptor number would make a later {@code dlopen("/proc/self/fd/N")} of another library return
 * this one, and a bundle asking {@code dladdr} for its own file would get a stranger's.
 */
final class OpenedLibrary implements AutoCloseable {

    /** Files larger than this are refused (no bundle library comes near it). */
    static final long MAX_BYTES = 1L << 30;
    private static final Libc LIBC = Libc.find();
    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");

    private final Path path;
    private final int fd;
    private final byte[] bytes;
    /** The identity before the bytes were read (null: unknown). */
    private final String identityBeforeRead;
    private boolean closed;

    private OpenedLibrary(Path path, int fd, byte[] bytes, String identityBeforeRead) {
        this.path = path;
        this.fd = fd;
        this.bytes = bytes;
        this.identityBeforeRead = identityBeforeRead;
    }

    /** Why a file could not be opened or read (the message names the file and the reason). */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    /** Opens and reads {@code path}; a symbolic link, a directory or a device is refused. */
    static OpenedLibrary open(Path path) throws Failure {
        if (LIBC == null) {
            throw new Failure("this platform's C library has no open/read/close (only Linux and macOS are supported)");
        }
        int fd;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(Libc.STATE);
            fd = (int) LIBC.open.invokeExact(state, call.allocateFrom(path.toString()), Libc.flags());
            if (fd < 0) {
                int errno = (int) Libc.ERRNO.get(state, 0L);
                if (Files.isSymbolicLink(path)) {
                    throw new Failure("it is a symbolic link (" + describeLink(path) + "); kernelhub loads a bundle library "
                            + "only from the file itself, so that what it checked is what it loads");
                }
                throw new Failure("cannot open it: " + LIBC.strerror(errno));
            }
        } catch (Failure f) {
            throw f;
        } catch (Throwable t) {
            throw new Failure("cannot open it: " + t);
        }
        OpenedLibrary opened = null;
        try {
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(descriptorPath(fd), BasicFileAttributes.class); // the open file itself
            } catch (IOException e) {
                a = null;
            }
            if (a != null && !a.isRegularFile()) {
                throw new Failure("it is not a regular file");
            }
            if (a != null && a.size() > MAX_BYTES) {
                throw new Failure("it is " + a.size() + " bytes, more than a bundle library may be (" + MAX_BYTES + ")");
            }
            String before = identityOf(fd);
            opened = new OpenedLibrary(path, fd, readAll(fd, a == null ? 1 << 20 : (int) a.size()), before);
            return opened;
        } finally {
            if (opened == null) {
                LIBC.close(fd);
            }
        }
    }

    private static String describeLink(Path path) {
        try {
            return "to " + Files.readSymbolicLink(path);
        } catch (IOException | UnsupportedOperationException e) {
            return "unreadable";
        }
    }

    private static Path descriptorPath(int fd) {
        return Path.of(LINUX ? "/proc/self/fd/" + fd : "/dev/fd/" + fd);
    }

    private static byte[] readAll(int fd, int sizeHint) throws Failure {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(Math.max(sizeHint, 4096));
        try (Arena arena = Arena.ofConfined()) {
            int chunk = 1 << 20;
            MemorySegment buf = arena.allocate(chunk);
            MemorySegment state = arena.allocate(Libc.STATE);
            byte[] heap = new byte[chunk];
            while (true) {
                long n = (long) LIBC.read.invokeExact(state, fd, buf, (long) chunk);
                if (n < 0) {
                    int errno = (int) Libc.ERRNO.get(state, 0L);
                    if (errno == Libc.EINTR) {
                        continue;
                    }
                    throw new Failure("cannot read it: " + LIBC.strerror(errno));
                }
                if (n == 0) {
                    return out.toByteArray();
                }
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, heap, 0, (int) n);
                out.write(heap, 0, (int) n);
                if (out.size() > MAX_BYTES) {
                    throw new Failure("it is more than " + MAX_BYTES + " bytes, more than a bundle library may be");
                }
            }
        } catch (Failure f) {
            throw f;
        } catch (Throwable t) {
            throw new Failure("cannot read it: " + t);
        }
    }

    /** The file's bytes, as read from the descriptor. */
    byte[] bytes() {
        return bytes;
    }

    Path path() {
        return path;
    }

    /**
     * The name to give {@code dlopen}: the open descriptor itself on Linux; elsewhere (no
     * {@code /proc}) the path, which leaves a window between the checks and the load.
     */
    /**
     * The identity of the open file (device, inode, size, change time in ns, read through the
     * descriptor, so it is the file that was read and will be loaded), or null where the file
     * system does not report them or the file changed while it was read.
     */
    String identity() {
        String now = identityOf(fd);
        // changed while it was read: the bytes read may be neither version, and nothing may be remembered of them
        return now != null && now.equals(identityBeforeRead) ? now : null;
    }

    private static String identityOf(int fd) {
        try {
            java.util.Map<String, Object> a = Files.readAttributes(descriptorPath(fd), "unix:dev,ino,size,ctime");
            if (!(a.get("ctime") instanceof java.nio.file.attribute.FileTime ctime)) return null;
            return a.get("dev") + ":" + a.get("ino") + ":" + a.get("size") + ":" + ctime.to(java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    String loadPath() {
        return LINUX ? "/proc/self/fd/" + fd : path.toAbsolutePath().toString();
    }

    /** Closes the descriptor (only when the library was not loaded: see the class comment). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LIBC.close(fd);
        }
    }

    /** The C library's open/read/close/strerror with errno captured. */
    private record Libc(MethodHandle open, MethodHandle read, MethodHandle closeFn, MethodHandle strerrorFn) {
        static final StructLayout STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
        static final int EINTR = 4;

        static Libc find() {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                return new Libc(
                        linker.downcallHandle(libc.find("open").orElseThrow(),
                                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), errno),
                        linker.downcallHandle(libc.find("read").orElseThrow(),
                                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                                        ValueLayout.JAVA_LONG), errno),
                        linker.downcallHandle(libc.find("close").orElseThrow(),
                                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)),
                        linker.downcallHandle(libc.find("strerror").orElseThrow(),
                                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT)));
            } catch (RuntimeException e) {
                return null;
            }
        }

        /** O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK (a FIFO must not block the open) for this OS and CPU. */
        static int flags() {
            String arch = System.getProperty("os.arch", "");
            if (!LINUX) { // macOS
                return 0x0100 | 0x01000000 | 0x0004;
            }
            int noFollow = arch.equals("aarch64") || arch.startsWith("arm") || arch.startsWith("ppc") ? 0100000 : 0400000;
            return noFollow | 02000000 | 04000;
        }

        void close(int fd) {
            try {
                int rc = (int) closeFn.invokeExact(fd);
            } catch (Throwable t) {
                // nothing to do: the descriptor is lost either way
            }
        }

        String strerror(int errno) {
            try {
                MemorySegment s = (MemorySegment) strerrorFn.invokeExact(errno);
                return s.equals(MemorySegment.NULL) ? "errno " + errno : s.reinterpret(1024).getString(0) + " (errno " + errno + ")";
            } catch (Throwable t) {
                return "errno " + errno;
            }
        }
    }
}
