package io.kernelhub.core.version;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Which versions of a kernel an id accepts. Grammar (the part after {@code @} in a hub id):
 * <ul>
 *   <li>{@code 2.1.0} — exactly that version;</li>
 *   <li>{@code ^2.1} — compatible: {@code >=2.1.0 <3.0.0} ({@code ^0.3} is {@code >=0.3.0 <0.4.0});</li>
 *   <li>{@code ~2.1.0} — patch updates: {@code >=2.1.0 <2.2.0} ({@code ~2} is {@code >=2.0.0 <3.0.0});</li>
 *   <li>{@code >=2.0,<3.0} — comparisons ({@code >= > <= < =}) that must all hold;</li>
 *   <li>{@code v2} — the latest of major 2;</li>
 *   <li>none — the latest release.</li>
 * </ul>
 * Pre-releases match only an exact spec or a comparison that names a pre-release of the same
 * {@code MAJOR.MINOR.PATCH} (as npm does): asking for {@code ^2} never picks up {@code 3.0.0-rc.1}.
 */
public sealed interface VersionSpec {

    String SPECS = "version specs are 2.1.0 (exact), ^2.1, ~2.1.0, >=2.0,<3.0 or v2";

    /** True when the version satisfies the spec. */
    boolean matches(Version v);

    /** The spec as written. */
    String text();

    /** The newest matching version, if any. */
    default Optional<Version> best(Collection<Version> available) {
        return available.stream().filter(this::matches).max(Version::compareTo);
    }

    /** No spec: the latest release. */
    record Latest() implements VersionSpec {
        public boolean matches(Version v) {
            return !v.isPrerelease();
        }

        public String text() {
            return "";
        }
    }

    /** Exactly one version. */
    record Exact(Version version) implements VersionSpec {
        public boolean matches(Version v) {
            return v.equals(version);
        }

        public String text() {
            return version.toString();
        }
    }

    /** All comparisons hold (caret, tilde and major specs are ranges too). */
    record Range(String text, List<Comparison> comparisons) implements VersionSpec {
        public Range {
            comparisons = List.copyOf(comparisons);
        }

        public boolean matches(Version v) {
            if (v.isPrerelease() && comparisons.stream().noneMatch(c -> c.bound().isPrerelease()
                    && c.bound().major() == v.major() && c.bound().minor() == v.minor() && c.bound().patch() == v.patch())) {
                return false;
            }
            return comparisons.stream().allMatch(c -> c.test(v));
        }
    }

    /** One comparison of a range. */
    record Comparison(String op, Version bound) {
        boolean test(Version v) {
            int c = v.compareTo(bound);
            return switch (op) {
                case ">=" -> c >= 0;
                case ">" -> c > 0;
                case "<=" -> c <= 0;
                case "<" -> c < 0;
                case "=" -> c == 0;
                default -> throw new IllegalStateException(op);
            };
        }
    }

    /** The spec for "no constraint". */
    static VersionSpec latest() {
        return new Latest();
    }

    /**
     * Parses a spec; null or empty means {@link Latest}.
     *
     * @throws IllegalArgumentException naming the bad spec and the grammar
     */
    static VersionSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return new Latest();
        }
        String s = spec.trim();
        IllegalArgumentException bad = new IllegalArgumentException("bad version spec '" + spec + "': " + SPECS);
        if (s.startsWith("v") && s.length() > 1 && s.substring(1).chars().allMatch(Character::isDigit) && s.length() <= 10) {
            int major = Integer.parseInt(s.substring(1));
            return new Range(s, List.of(new Comparison(">=", new Version(major, 0, 0, null)),
                    new Comparison("<", new Version(major + 1, 0, 0, null))));
        }
        if (s.startsWith("^") || s.startsWith("~")) {
            Version.Partial p = Version.parsePartial(s.substring(1));
            if (p == null) throw bad;
            Version lo = p.version();
            Version hi;
            if (s.startsWith("^")) {
                // the first non-zero part of the version is the one that may not change
                if (lo.major() > 0 || p.parts() == 1) hi = new Version(lo.major() + 1, 0, 0, null);
                else if (lo.minor() > 0 || p.parts() == 2) hi = new Version(0, lo.minor() + 1, 0, null);
                else hi = new Version(0, 0, lo.patch() + 1, null);
            } else {
                hi = p.parts() == 1 ? new Version(lo.major() + 1, 0, 0, null) : new Version(lo.major(), lo.minor() + 1, 0, null);
            }
            return new Range(s, List.of(new Comparison(">=", lo), new Comparison("<", hi)));
        }
        if (Character.isDigit(s.charAt(0))) {
            Version.Partial p = Version.parsePartial(s);
            if (p == null) throw bad;
            if (p.parts() == 3) return new Exact(p.version());
            // 2.1 means "any 2.1.x", the way a build tool reads a short version
            Version lo = p.version();
            Version hi = p.parts() == 1 ? new Version(lo.major() + 1, 0, 0, null) : new Version(lo.major(), lo.minor() + 1, 0, null);
            return new Range(s, List.of(new Comparison(">=", lo), new Comparison("<", hi)));
        }
        List<Comparison> cs = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            String t = part.trim();
            String op = t.startsWith(">=") || t.startsWith("<=") ? t.substring(0, 2)
                    : t.startsWith(">") || t.startsWith("<") || t.startsWith("=") ? t.substring(0, 1) : null;
            if (op == null) throw bad;
            Version.Partial p = Version.parsePartial(t.substring(op.length()).trim());
            if (p == null) throw bad;
            cs.add(new Comparison(op, p.version()));
        }
        return new Range(s, cs);
    }
}
