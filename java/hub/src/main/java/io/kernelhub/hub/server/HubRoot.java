package io.kernelhub.hub.server;

import io.kernelhub.hub.HubException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The served directory, opened once. Every request walks down from it one directory at a time
 * relative to the open parent (openat) with O_NOFOLLOW, so no symbolic link in any component is
 * followed, and a link swapped in after a check cannot redirect the open that follows it. Uploads
 * create their temporary file and rename it (renameat) inside the directory handle they walked to.
 * A link anywhere below the root is refused ({@link LinkRefused}); the root itself may be a link.
 */
final class HubRoot implements Closeable {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private final Path path;
    private final SecureDirectoryStream<Path> root;

    /** A path component below the root that is a symbolic link. */
    static final class LinkRefused extends IOException {
        final String relative;

        LinkRefused(String relative) {
            super(relative + " is a symbolic link");
            this.relative = relative;
        }
    }

    /** A path component that should be a directory but is something else. */
    static final class NotADirectory extends IOException {
        final String relative;

        NotADirectory(String relative) {
            super(relative + " is not a directory");
            this.relative = relative;
        }
    }

    private HubRoot(Path path, SecureDirectoryStream<Path> root) {
        this.path = path;
        this.root = root;
    }

    static HubRoot open(Path dir) {
        Path real;
        DirectoryStream<Path> ds;
        try {
            real = dir.toRealPath();
            ds = Files.newDirectoryStream(real);
        } catch (IOException e) {
            throw new HubException("cannot serve " + dir + ": " + e.getMessage(), e);
        }
        if (!(ds instanceof SecureDirectoryStream<Path> sds)) {
            try {
                ds.close();
            } catch (IOException ignored) {
                // nothing was read from it
            }
            throw new HubException("cannot serve " + dir + ": this platform has no SecureDirectoryStream (openat), which "
                    + "kernelhub serve needs to open files without following symbolic links. Serve the hub with nginx "
                    + "or another static server instead");
        }
        return new HubRoot(real, sds);
    }

    Path path() {
        return path;
    }

    /**
     * The directories from the root down to where a file lives, each opened without following
     * links. Closing it closes them all (the root stays open).
     */
    final class Walk implements Closeable {
        private final List<SecureDirectoryStream<Path>> chain = new ArrayList<>(); // chain[0] is the root
        private final List<String> names = new ArrayList<>();
        private final List<Boolean> created = new ArrayList<>();

        private Walk() {
            chain.add(root);
            names.add("");
            created.add(false);
        }

        SecureDirectoryStream<Path> dir() {
            return chain.getLast();
        }

        /** The walked directory relative to the root, for messages. */
        String relative() {
            return String.join("/", names.subList(1, names.size()));
        }

        String relative(String name) {
            String r = relative();
            return r.isEmpty() ? name : r + "/" + name;
        }

        boolean createdAny() {
            return created.contains(true);
        }

        /** Attributes of {@code name} in this directory, not following a link; null when it does not exist. */
        BasicFileAttributes attributes(String name) throws IOException {
            try {
                return dir().getFileAttributeView(Path.of(name), BasicFileAttributeView.class, NOFOLLOW).readAttributes();
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        /** Steps into {@code name}, creating it when asked; false when it does not exist (and not created). */
        boolean enter(String name, boolean create) throws IOException {
            BasicFileAttributes a = attributes(name);
            boolean made = false;
            if (a == null) {
                if (!create) return false;
                try {
                    // no mkdirat in the JDK: created by path, then opened relative to its parent without following
                    // links, so a link raced in above it can leave an empty directory elsewhere, never a file
                    Files.createDirectory(path.resolve(relative(name)));
                    made = true;
                } catch (FileAlreadyExistsException e) {
                    // another upload made it first
                }
                a = attributes(name);
                if (a == null) throw new NoSuchFileException(relative(name));
            }
            if (a.isSymbolicLink()) throw new LinkRefused(relative(name));
            if (!a.isDirectory()) throw new NotADirectory(relative(name));
            SecureDirectoryStream<Path> next;
            try {
                next = dir().newDirectoryStream(Path.of(name), NOFOLLOW);
            } catch (IOException e) { // ELOOP / ENOTDIR: it changed since the check
                throw new LinkRefused(relative(name));
            }
            chain.add(next);
            names.add(name);
            created.add(made);
            return true;
        }

        SeekableByteChannel open(String name, OpenOption... options) throws IOException {
            Set<OpenOption> opts = new java.util.HashSet<>(List.of(options));
            opts.add(NOFOLLOW);
            return dir().newByteChannel(Path.of(name), opts);
        }

        /** A new empty file readable only by the server, never replacing anything. */
        SeekableByteChannel create(String name) throws IOException {
            return dir().newByteChannel(Path.of(name), Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    NOFOLLOW), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }

        /** 0644, so that a web server running as another user can serve what was published. */
        void makeReadable(String name) throws IOException {
            PosixFileAttributeView v = dir().getFileAttributeView(Path.of(name), PosixFileAttributeView.class, NOFOLLOW);
            if (v != null) v.setPermissions(PosixFilePermissions.fromString("rw-r--r--"));
        }

        /** Renames {@code from} to {@code to} within this directory, atomically, replacing {@code to}. */
        void rename(String from, String to) throws IOException {
            dir().move(Path.of(from), dir(), Path.of(to));
        }

        void deleteIfExists(String name) throws IOException {
            try {
                dir().deleteFile(Path.of(name));
            } catch (NoSuchFileException e) {
                // already gone
            }
        }

        /** Removes the directories this walk created, deepest first, while they are still empty. */
        void removeCreated() {
            for (int i = chain.size() - 1; i >= 1; i--) {
                if (!created.get(i)) break;
                try {
                    chain.get(i - 1).deleteDirectory(Path.of(names.get(i)));
                } catch (IOException e) {
                    break; // not empty: another upload uses it
                }
            }
        }

        @Override
        public void close() {
            for (int i = chain.size() - 1; i >= 1; i--) {
                try {
                    chain.get(i).close();
                } catch (IOException ignored) {
                    // a directory handle: nothing was written through it that close could lose
                }
            }
        }
    }

    /** Walks into {@code dirs} (creating missing ones when asked); null when one is missing and not created. */
    Walk walk(List<String> dirs, boolean create) throws IOException {
        Walk w = new Walk();
        try {
            for (String d : dirs) {
                if (!w.enter(d, create)) {
                    w.close();
                    return null;
                }
            }
            return w;
        } catch (IOException | RuntimeException e) {
            if (create) w.removeCreated();
            w.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            root.close();
        } catch (IOException ignored) {
            // a directory handle
        }
    }
}
