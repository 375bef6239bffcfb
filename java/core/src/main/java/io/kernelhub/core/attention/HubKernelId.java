package io.kernelhub.core.attention;

import io.kernelhub.core.version.VersionSpec;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A hub kernel id: {@code org/name[@version-spec][:op]}, e.g.
 * {@code kernels-community/flash-attn2@^2.1:varlen}. The kernel {@code org/name} maps to the
 * Maven coordinates groupId {@code org}, artifactId {@code name}.
 *
 * <p>Version specs: exact {@code 2.1.0}; caret {@code ^2.1}; tilde {@code ~2.1.0}; ranges of
 * comparisons joined by commas {@code >=2.0,<3.0}; {@code v2} (latest of a major); absent =
 * latest release.
 *
 * @param org     the publishing organisation (groupId)
 * @param name    the kernel name (artifactId)
 * @param versionSpec the version constraint, or null for the latest release
 * @param op      the operation inside the bundle, or null for its default op
 */
public record HubKernelId(String org, String name, String versionSpec, String op) {

    private static final String SEGMENT = "[A-Za-z0-9][A-Za-z0-9._-]{0,99}";
    private static final Pattern ID = Pattern.compile("(" + SEGMENT + ")/(" + SEGMENT + ")(?:@([^:]*))?(?::(.*))?");
    private static final Pattern OP = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,99}");
    private static final String GRAMMAR = "expected org/name[@version][:op], e.g. kernels-community/flash-attn2, "
            + "kernels-community/flash-attn2@^2.1 or kernels-community/flash-attn2@2.1.0:varlen";
    private static final String SPECS = VersionSpec.SPECS;

    public HubKernelId {
        if (org == null || name == null) {
            throw new IllegalArgumentException("a hub kernel id needs an org and a name");
        }
    }

    /** True when a registry name has the shape of a hub id (contains '/'), valid or not. */
    public static boolean looksLikeHubId(String name) {
        return name != null && name.indexOf('/') >= 0;
    }

    /** Parses and validates an id; the message of a failure says which part is wrong and what is expected. */
    public static HubKernelId parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty hub kernel id: " + GRAMMAR);
        }
        Matcher m = ID.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("bad hub kernel id '" + text + "': " + GRAMMAR
                    + " (org and name: letters, digits, '.', '_', '-', starting with a letter or digit)");
        }
        String spec = m.group(3);
        String op = m.group(4);
        if (spec != null) {
            validateSpec(text, spec);
        }
        if (op != null && !OP.matcher(op).matches()) {
            throw new IllegalArgumentException("bad op '" + op + "' in hub kernel id '" + text
                    + "': an op name is letters, digits, '_', '.', '-', starting with a letter or '_'");
        }
        return new HubKernelId(m.group(1), m.group(2), spec, op);
    }

    /** Parses if the text has the shape of a hub id; empty for plain names like {@code sdpa}. */
    public static Optional<HubKernelId> tryParse(String text) {
        return looksLikeHubId(text) ? Optional.of(parse(text)) : Optional.empty();
    }

    private static void validateSpec(String text, String spec) {
        if (spec.isEmpty()) {
            throw new IllegalArgumentException("empty version after '@' in hub kernel id '" + text + "': " + SPECS
                    + "; leave out '@' for the latest release");
        }
        try {
            VersionSpec.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad version spec '" + spec + "' in hub kernel id '" + text + "': " + SPECS);
        }
    }

    /** The parsed version spec ({@link VersionSpec.Latest} when the id names none). */
    public VersionSpec spec() {
        return VersionSpec.parse(versionSpec);
    }

    /** {@code org/name}, the kernel without version or op. */
    public String kernel() {
        return org + "/" + name;
    }

    @Override
    public String toString() {
        return kernel() + (versionSpec == null ? "" : "@" + versionSpec) + (op == null ? "" : ":" + op);
    }
}
