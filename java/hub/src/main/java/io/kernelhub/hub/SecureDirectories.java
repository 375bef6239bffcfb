package io.kernelhub.hub;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ownership and mode checks for the directories kernelhub loads code and trust from
 * ({@code KERNELHUB_HOME}, its cache, {@code keys/trusted/}, the local hub), so that another
 * local account cannot swap what kernelhub verifies or loads.
 *
 * <p>A directory is <em>safe</em> when it is a directory (not a file), owned by the current user
 * (or by root, who can change anything anyway), and not writable by the group or by others, unless
 * it has the sticky bit (like {@code /tmp}, where others cannot rename or delete what is not
 * theirs). An absent directory is safe (there is nothing to swap yet; kernelhub creates it with
 * {@link #createPrivate}). On a file system without POSIX permissions nothing is checked.
 *
 * <p>Symbolic links: the directory a caller names as the top ({@code KERNELHUB_HOME}, or the cache
 * root when the cache is used alone) may be a symbolic link; its target is what is checked, and
 * since only someone who can write its parent can plant such a link, that is the user's own
 * choice (e.g. a home on a bigger disk). Below the top, kernelhub follows no link: a symbolic link
 * where a directory is expected is refused with a message saying to remove it.
 */
public final class SecureDirectories {

    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PARENT = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final int STICKY = 01000;

    private SecureDirectories() {}

    /**
     * Refuses {@code dir} when another account could change what is in it: not a directory,
     * owned by someone other than the current user (or root), or group- or world-writable without
     * the sticky bit. A symbolic link at {@code dir} is followed and its target checked; an absent
     * {@code dir} passes; a file system without POSIX permissions passes.
     *
     * @param what what the directory is, for the message ("KERNELHUB_HOME", "the trusted keys")
     * @throws HubException naming the directory, what is wrong and the command that fixes it
     */
    public static void requireSafe(Path dir, String what) {
        check(dir.toAbsolutePath().normalize(), what, true);
    }

    /**
     * {@link #requireSafe(Path, String)} for {@code top}, then the same checks for every existing
     * directory below it down to {@code dir} (both included), none of which may be a symbolic link.
     * Use it for a sub-directory of {@code KERNELHUB_HOME}: {@code requireSafe(home,
     * home.resolve("keys/trusted"), "the trusted keys")} checks {@code home}, {@code home/keys} and
     * {@code home/keys/trusted}. Directories above {@code top} are not checked.
     *
     * @throws IllegalArgumentException when {@code dir} is not {@code top} or below it
     * @throws HubException             naming the first unsafe directory, what is wrong and the fix
     */
    public static void requireSafe(Path top, Path dir, String what) {
        Path t = top.toAbsolutePath().normalize();
        Path d = dir.toAbsolutePath().normalize();
        if (!d.startsWith(t)) {
            throw new IllegalArgumentException(d + " is not under " + t);
        }
        check(t, what, true);
        Path p = t;
        for (Path name : t.relativize(d)) {
            if (name.toString().isEmpty()) continue; // dir == top
            p = p.resolve(name);
            if (!check(p, what, false)) {
                return; // absent: nothing below it exists either
            }
        }
    }

    /**
     * Creates {@code dir} when it is absent, readable and writable by the current user only
     * (0700), and its missing parents not writable by others (0755 at most, the umask applies).
     * An existing directory is left as it is (never chmod'ed behind the user's back; check it with
     * {@link #requireSafe}). A symbolic link at {@code dir} is followed only when it leads to a
     * directory. On a file system without POSIX permissions it is a plain {@code createDirectories}.
     *
     * @return {@code dir}
     * @throws IOException when it cannot be created, or exists and is not a directory
     */
    public static Path createPrivate(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        if (!posix(dir)) {
            return Files.createDirectories(dir);
        }
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir.toAbsolutePath().normalize(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        FileAttribute<Set<PosixFilePermission>> parentMode = PosixFilePermissions.asFileAttribute(PARENT);
        FileAttribute<Set<PosixFilePermission>> privateMode = PosixFilePermissions.asFileAttribute(PRIVATE);
        while (!missing.isEmpty()) {
            Path p = missing.pop();
            boolean last = missing.isEmpty();
            try {
                // created with at most these bits (the umask can only remove some): never open to others, not even briefly
                Files.createDirectory(p, last ? privateMode : parentMode);
                if (last) {
                    Files.setPosixFilePermissions(p, PRIVATE); // kernelhub made it: exactly 0700
                }
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw new FileAlreadyExistsException(p.toString(), null, "exists and is not a directory");
                }
                // another process created it meanwhile: fine, it is checked like any existing directory
            }
        }
        return dir;
    }

    /** True when the file system of {@code p} has POSIX permissions (otherwise nothing is checked). */
    static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Refuses {@code file} when it is a symbolic link, not a regular file, owned by another user
     * (root excepted) or writable by the group or others; an absent file passes. For files kernelhub
     * reopens inside its own directories (a partial download it resumes).
     */
    public static void requireOwnFile(Path file, String what) {
        Path f = file.toAbsolutePath().normalize();
        PosixFileAttributes a;
        try {
            if (Files.isSymbolicLink(f)) {
                throw HubFiles.symlinkRefused(f, what);
            }
            if (!posix(f)) {
                if (Files.exists(f, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    throw new HubException("refusing " + what + " " + f + ": it is not a regular file. Remove it and retry.");
                }
                return;
            }
            a = Files.readAttributes(f, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new HubException("cannot check " + what + " " + f + ": " + e, e);
        }
        if (a.isSymbolicLink()) {
            throw HubFiles.symlinkRefused(f, what);
        }
        if (!a.isRegularFile()) {
            throw new HubException("refusing " + what + " " + f + ": it is not a regular file. Remove it (rm " + quote(f)
                    + ") and retry.");
        }
        List<String> problems = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        judge(f, a, unixAttributes(f, false), problems, fixes);
        if (!problems.isEmpty()) {
            throw new HubException("refusing " + what + " " + f + ": it is " + String.join(" and ", problems)
                    + ", so another account could change it after kernelhub checked it. Remove it (rm " + quote(f)
                    + ") and retry.");
        }
    }

    /**
     * True when {@code file} (not followed if a link) is writable by its group or by others; false
     * when it is absent or the file system has no POSIX permissions.
     */
    public static boolean writableByOthers(Path file) throws IOException {
        if (!posix(file) || !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        return perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE);
    }

    /** @return false when {@code p} does not exist */
    private static boolean check(Path p, String what, boolean followTop) {
        if (!posix(p)) {
            return Files.exists(p);
        }
        LinkOption[] opts = followTop ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        PosixFileAttributes a;
        try {
            if (!followTop && Files.isSymbolicLink(p)) {
                throw HubFiles.symlinkRefused(p, what);
            }
            a = Files.readAttributes(p, PosixFileAttributes.class, opts);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new HubException("cannot check " + what + " at " + p + ": " + e + ". Check that it is readable.", e);
        }
        Path shown = p;
        if (followTop && Files.isSymbolicLink(p)) {
            try {
                shown = p.toRealPath(); // the target is what is checked and what the fix must name
            } catch (IOException e) {
                throw new HubException("cannot check " + what + " at " + p + ": " + e, e);
            }
        }
        if (!a.isDirectory()) {
            throw new HubException("refusing " + what + ": " + p + " is not a directory. Remove it or move it aside (it is "
                    + "where kernelhub keeps a directory) and retry.");
        }
        List<String> problems = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        judge(shown, a, unixAttributes(p, followTop), problems, fixes);
        if (!problems.isEmpty()) {
            throw new HubException("refusing " + what + ": the directory " + shown + (shown.equals(p) ? "" : " (the target of "
                    + p + ")") + " is " + String.join(" and ", problems) + ", so another account could replace what "
                    + "kernelhub verifies and loads from it. Fix: " + String.join(", then ", fixes)
                    + "; or set KERNELHUB_HOME to a directory of your own.");
        }
        return true;
    }

    private static void judge(Path shown, PosixFileAttributes a, Map<String, Object> unix, List<String> problems,
            List<String> fixes) {
        Identity me = Identity.current();
        Integer uid = unix == null ? null : (Integer) unix.get("uid");
        boolean ownedByMe = uid != null && me.uid != null ? uid.intValue() == me.uid || uid == 0
                : a.owner().equals(me.principal) || a.owner().getName().equals("root");
        if (!ownedByMe) {
            problems.add("owned by user '" + a.owner().getName() + "'" + (uid == null ? "" : " (uid " + uid + ")")
                    + ", not by you ('" + me.name() + "'" + (me.uid == null ? "" : ", uid " + me.uid) + ")");
            fixes.add("sudo chown " + me.name() + " " + quote(shown));
        }
        Set<PosixFilePermission> perms = a.permissions();
        boolean groupW = perms.contains(PosixFilePermission.GROUP_WRITE);
        boolean otherW = perms.contains(PosixFilePermission.OTHERS_WRITE);
        boolean sticky = unix != null && unix.get("mode") instanceof Integer m && (m & STICKY) != 0 && a.isDirectory();
        if ((groupW || otherW) && !sticky) {
            problems.add((groupW && otherW ? "group- and world-writable" : groupW ? "group-writable" : "world-writable")
                    + " (mode " + PosixFilePermissions.toString(perms) + ")");
            fixes.add("chmod go-w " + quote(shown));
        }
    }

    /** uid and mode (with the sticky bit), or null where the JDK has no "unix" view. */
    private static Map<String, Object> unixAttributes(Path p, boolean follow) {
        try {
            return follow ? Files.readAttributes(p, "unix:uid,mode") : Files.readAttributes(p, "unix:uid,mode",
                    LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    /** A path as a shell word (single-quoted when it has anything but plain characters). */
    static String quote(Path p) {
        String s = p.toString();
        return s.matches("[A-Za-z0-9_./@%+=:,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** Who "the current user" is: the owner of a file this process creates (effective uid), found once. */
    private record Identity(Integer uid, UserPrincipal principal) {
        private static volatile Identity current;

        static Identity current() {
            Identity id = current;
            if (id == null) {
                current = id = find();
            }
            return id;
        }

        String name() {
            return principal != null ? principal.getName() : System.getProperty("user.name");
        }

        private static Identity find() {
            try {
                // Linux: /proc/self belongs to the process's effective uid; no file to create, no user-name lookup
                // (both are slow in a fresh JVM, and this runs on every first resolve)
                Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
                if (uid instanceof Integer u) return new Identity(u, null);
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                // not Linux: the probe file below
            }
            try {
                Path probe = Files.createTempFile("kernelhub-owner", ".tmp");
                try {
                    Integer uid;
                    try {
                        uid = (Integer) Files.getAttribute(probe, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                    } catch (UnsupportedOperationException | IllegalArgumentException e) {
                        uid = null;
                    }
                    return new Identity(uid, Files.getOwner(probe, LinkOption.NOFOLLOW_LINKS));
                } finally {
                    Files.deleteIfExists(probe);
                }
            } catch (IOException | UnsupportedOperationException e) {
                try {
                    return new Identity(null, FileSystems.getDefault().getUserPrincipalLookupService()
                            .lookupPrincipalByName(System.getProperty("user.name")));
                } catch (IOException | UnsupportedOperationException e2) {
                    throw new HubException("cannot tell which user this process runs as (" + e + "; " + e2
                            + "), so kernelhub cannot check who owns its directories. Check that java.io.tmpdir ("
                            + System.getProperty("java.io.tmpdir") + ") is writable.", e2);
                }
            }
        }
    }
}
