package io.kernelhub.hub.server;

import io.kernelhub.hub.HubException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may publish what on a {@code kernelhub serve --allow-publish} hub: each bearer token names
 * the orgs (the first path component of an upload) it may write under. A token for every org must
 * say so ({@code *}); none is implied. Only SHA-256 digests of the tokens are kept, they are
 * compared in constant time, and no message or {@link #toString()} shows one.
 *
 * <p>The tokens file has one token per line, {@code ORG[,ORG...] TOKEN}, or {@code * TOKEN} for
 * every org; blank lines and lines starting with {@code #} are skipped. It must not be readable or
 * writable by group or others (a token there publishes as its orgs).
 */
public record PublishTokens(List<Grant> grants) {

    /** Org names as kernel ids spell them, or {@code *}. */
    private static final Pattern ORG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    /**
     * One token's rights.
     *
     * @param orgs   the orgs it may publish to (empty when {@code anyOrg})
     * @param anyOrg true for a token explicitly granted every org
     * @param sha256 the token's digest
     * @param origin where it came from, for messages ("tokens file line 3", "KERNELHUB_TOKEN")
     */
    public record Grant(Set<String> orgs, boolean anyOrg, byte[] sha256, String origin) {
        public Grant {
            orgs = Set.copyOf(orgs);
            sha256 = sha256.clone();
            if (anyOrg != orgs.isEmpty()) {
                throw new IllegalArgumentException("a token names its orgs or is explicitly for every org, not both");
            }
        }

        public boolean allows(String org) {
            return anyOrg || orgs.contains(org);
        }

        /** The orgs as a message shows them. */
        public String describeOrgs() {
            return anyOrg ? "every org" : String.join(", ", orgs.stream().sorted().toList());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Grant g && g.anyOrg == anyOrg && g.orgs.equals(orgs)
                    && MessageDigest.isEqual(g.sha256, sha256) && g.origin.equals(origin);
        }

        @Override
        public int hashCode() {
            return orgs.hashCode() * 31 + origin.hashCode();
        }

        @Override
        public String toString() { // never the digest: it identifies the token
            return "Grant[" + describeOrgs() + " from " + origin + "]";
        }
    }

    public PublishTokens {
        grants = List.copyOf(grants);
        if (grants.isEmpty()) throw new IllegalArgumentException("no publish tokens");
    }

    /** One token that may publish only under {@code orgs} (e.g. KERNELHUB_TOKEN with --publish-org). */
    public static PublishTokens single(String token, Collection<String> orgs, String origin) {
        if (orgs.isEmpty()) {
            throw new IllegalArgumentException(origin + " must name the orgs it may publish to (or be granted every org "
                    + "explicitly): a token that silently publishes everywhere is what per-org tokens prevent");
        }
        Set<String> checked = new LinkedHashSet<>();
        for (String org : orgs) checked.add(checkOrg(org, origin));
        return new PublishTokens(List.of(new Grant(checked, false, digest(checkToken(token, origin)), origin)));
    }

    /** One token explicitly granted every org ({@code --any-org}). */
    public static PublishTokens anyOrg(String token, String origin) {
        return new PublishTokens(List.of(new Grant(Set.of(), true, digest(checkToken(token, origin)), origin)));
    }

    /** Reads a tokens file; refuses one that group or others may read or write, naming the chmod that fixes it. */
    public static PublishTokens read(Path file) {
        List<String> lines;
        try {
            if (!Files.isRegularFile(file)) {
                throw new HubException("tokens file " + file + " does not exist or is not a regular file");
            }
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                if (perms.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
                    throw new HubException("tokens file " + file + " is accessible to group or others (" +
                            java.nio.file.attribute.PosixFilePermissions.toString(perms) + "): anyone who reads it can "
                            + "publish. Run: chmod 600 " + file);
                }
            } catch (UnsupportedOperationException e) {
                // no POSIX permissions here (e.g. Windows): the file system's ACLs are the operator's to set
            }
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HubException("cannot read tokens file " + file + ": " + e.getMessage(), e);
        }
        List<Grant> grants = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String origin = "tokens file " + file + " line " + (i + 1);
            String[] f = line.split("\\s+");
            if (f.length != 2) { // the line is not echoed: it holds a token
                throw new HubException(origin + ": expected 'ORG[,ORG...] TOKEN' or '* TOKEN' (" + f.length
                        + " fields instead of 2)");
            }
            byte[] d = digest(checkToken(f[1], origin));
            for (Grant g : grants) {
                if (MessageDigest.isEqual(g.sha256(), d)) {
                    throw new HubException(origin + ": the same token as " + g.origin() + "; give each token one line "
                            + "listing all its orgs");
                }
            }
            if (f[0].equals("*")) {
                grants.add(new Grant(Set.of(), true, d, origin));
                continue;
            }
            Set<String> orgs = new LinkedHashSet<>();
            for (String org : f[0].split(",", -1)) orgs.add(checkOrg(org, origin));
            grants.add(new Grant(orgs, false, d, origin));
        }
        if (grants.isEmpty()) {
            throw new HubException("tokens file " + file + " has no tokens: add lines 'ORG[,ORG...] TOKEN'");
        }
        return new PublishTokens(grants);
    }

    /**
     * The grant whose token {@code presented} is, if any. Every grant is compared (digests of equal
     * length, {@link MessageDigest#isEqual}), so the time taken says nothing about the tokens.
     */
    public Optional<Grant> match(String presented) {
        if (presented == null) return Optional.empty();
        byte[] d = digest(presented);
        Grant found = null;
        for (Grant g : grants) {
            if (MessageDigest.isEqual(g.sha256(), d) && found == null) found = g;
        }
        return Optional.ofNullable(found);
    }

    private static String checkOrg(String org, String origin) {
        if (!ORG.matcher(org).matches()) {
            throw new HubException(origin + ": bad org '" + org + "': letters, digits, '.', '_', '-', starting with a "
                    + "letter or digit (or '*' alone for every org)");
        }
        return org;
    }

    private static String checkToken(String token, String origin) {
        if (token == null || token.isBlank()) throw new HubException(origin + ": empty token");
        if (token.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new HubException(origin + ": a token cannot contain spaces or control characters");
        }
        return token;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "PublishTokens" + grants;
    }
}
