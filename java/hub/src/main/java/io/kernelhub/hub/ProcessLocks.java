package io.kernelhub.hub;

import io.kernelhub.hub.HubException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A lock that excludes other threads of this JVM and other processes: an in-JVM lock per lock
 * file, then an OS file lock on it. The in-JVM table is necessarily process-wide (the second
 * documented global state, beside the attention registry): the operating system grants file
 * locks per process, so two cache objects in one JVM must share it or they would both "hold" the
 * same file lock.
 */
public final class ProcessLocks {

    private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private ProcessLocks() {}

    /** A held lock; close releases the file lock, then the in-JVM lock. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Locks {@code lockFile}, creating it (and its directory) when absent. A symbolic link there is
     * refused, never followed.
     *
     * @throws HubException when it cannot be created or locked, or is a symbolic link
     */
    public static Held acquire(Path lockFile) {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock local = IN_JVM.computeIfAbsent(key, k -> new ReentrantLock());
        local.lock();
        FileChannel ch = null;
        try {
            Files.createDirectories(key.getParent());
            HubFiles.refuseSymlink(key, "the lock file");
            try {
                // never through a link: a planted one would make kernelhub create or lock a file elsewhere
                ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                HubFiles.refuseSymlink(key, "the lock file"); // planted between the check and the open (ELOOP)
                throw e;
            }
            FileLock fl = ch.lock();
            FileChannel channel = ch;
            return () -> {
                try {
                    fl.release();
                } catch (IOException ignored) {
                    // closing the channel below releases the lock anyway
                } finally {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // nothing more to release
                    }
                    local.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            try {
                if (ch != null) ch.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
            local.unlock();
            if (e instanceof HubException refused) {
                throw refused;
            }
            throw new HubException("cannot lock " + key + ": " + e + ". Check that the cache directory is writable.", e);
        }
    }
}
