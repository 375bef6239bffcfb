package io.kernelhub.core.version;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel version {@code MAJOR.MINOR.PATCH[-PRERELEASE]}, ordered as semantic versioning
 * orders them (a pre-release sorts before its release; pre-release identifiers compare
 * numerically when both are numbers, otherwise as text). Missing minor/patch read as 0 when a
 * spec is parsed ({@code ^2.1} means {@code ^2.1.0}); published versions always have all three.
 *
 * @param major      major version
 * @param minor      minor version
 * @param patch      patch version
 * @param prerelease pre-release identifiers (e.g. {@code rc.1}), or null for a release
 */
public record Version(int major, int minor, int patch, String prerelease) implements Comparable<Version> {

    private static final Pattern FULL = Pattern.compile("(\\d{1,9})\\.(\\d{1,9})\\.(\\d{1,9})(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?");
    private static final Pattern PARTIAL = Pattern.compile("(\\d{1,9})(?:\\.(\\d{1,9}))?(?:\\.(\\d{1,9}))?(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?");

    public Version {
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("version numbers cannot be negative");
        }
        if (prerelease != null && prerelease.isEmpty()) {
            prerelease = null;
        }
    }

    /** Parses a full version {@code 1.2.3} or {@code 1.2.3-rc.1}; the message says what is expected. */
    public static Version parse(String text) {
        Matcher m = text == null ? null : FULL.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("bad version '" + text + "': expected MAJOR.MINOR.PATCH, e.g. 2.1.0 "
                    + "(optionally -PRERELEASE, e.g. 2.1.0-rc.1)");
        }
        return new Version(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                m.group(4));
    }

    /** True for text {@link #parse} accepts. */
    public static boolean isValid(String text) {
        return text != null && FULL.matcher(text.trim()).matches();
    }

    /** Parses 1, 1.2 or 1.2.3 (with an optional pre-release); the count of given parts is returned too. */
    static Partial parsePartial(String text) {
        Matcher m = PARTIAL.matcher(text);
        if (!m.matches()) {
            return null;
        }
        int parts = m.group(3) != null ? 3 : m.group(2) != null ? 2 : 1;
        Version v = new Version(Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), m.group(4));
        return new Partial(v, parts);
    }

    record Partial(Version version, int parts) {}

    public boolean isPrerelease() {
        return prerelease != null;
    }

    @Override
    public int compareTo(Version o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) c = Integer.compare(minor, o.minor);
        if (c == 0) c = Integer.compare(patch, o.patch);
        if (c != 0) return c;
        if (prerelease == null || o.prerelease == null) {
            return prerelease == null ? (o.prerelease == null ? 0 : 1) : -1;
        }
        String[] a = prerelease.split("\\."), b = o.prerelease.split("\\.");
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            boolean na = a[i].chars().allMatch(Character::isDigit), nb = b[i].chars().allMatch(Character::isDigit);
            int x;
            if (na && nb) {
                x = new java.math.BigInteger(a[i]).compareTo(new java.math.BigInteger(b[i]));
            } else if (na != nb) {
                x = na ? -1 : 1; // numeric identifiers sort before alphanumeric ones
            } else {
                x = a[i].compareTo(b[i]);
            }
            if (x != 0) return x;
        }
        return Integer.compare(a.length, b.length);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch + (prerelease == null ? "" : "-" + prerelease);
    }
}
