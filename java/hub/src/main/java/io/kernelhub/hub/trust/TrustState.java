package io.kernelhub.hub.trust;

import io.kernelhub.core.version.Version;
import io.kernelhub.hub.HubException;
import io.kernelhub.hub.HubFiles;
import io.kernelhub.hub.ProcessLocks;
import io.kernelhub.hub.manifest.ManifestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What this machine has accepted, kept under {@code KERNELHUB_HOME/state} so that no hub can
 * take it back: the newest signed index of every kernel ({@code indexes/<org>/<name>.json}, the
 * envelope as received) and the newest revocation list of every org
 * ({@code revocations/<org>.json}). Updates only move forward: under a cross-process lock the
 * stored copy is re-read and replaced only by a newer one.
 */
public final class TrustState {

    private final Path dir;

    public TrustState(Path stateDir) {
        this.dir = stateDir.toAbsolutePath().normalize();
    }

    public Path directory() {
        return dir;
    }

    private Path indexFile(String org, String name) {
        return dir.resolve("indexes").resolve(org).resolve(name + ".json");
    }

    private Path revocationFile(String org) {
        return dir.resolve("revocations").resolve(org + ".json");
    }

    /** An index this machine accepted: its envelope and what it says. */
    public record AcceptedIndex(SignedEnvelope envelope, KernelIndex index) {}

    /** The newest index accepted for a kernel, if any. */
    public Optional<AcceptedIndex> index(String org, String name) {
        return read(indexFile(org, name)).map(env -> new AcceptedIndex(env, KernelIndex.parse(env.payload())));
    }

    /**
     * Why {@code candidate} must be refused given what this machine accepted before, or null when
     * it may be accepted: a lower serial (rollback), the same serial with different content (two
     * histories), a version dropped, or a version whose manifest digest changed.
     */
    public String rollbackProblem(KernelIndex candidate, byte[] payload) {
        return index(candidate.org(), candidate.name()).map(seen -> problem(seen, candidate, payload)).orElse(null);
    }

    private static String problem(AcceptedIndex seen, KernelIndex candidate, byte[] payload) {
        KernelIndex old = seen.index();
        if (candidate.serial() < old.serial()) {
            return "its index has serial " + candidate.serial() + ", older than serial " + old.serial()
                    + " which this machine accepted before (versions up to " + newest(old) + "): a rollback to an older "
                    + "list, or a stale mirror";
        }
        if (candidate.serial() == old.serial()) {
            return Arrays.equals(payload, seen.envelope().payload()) ? null : "its index has serial " + candidate.serial()
                    + " like the one this machine accepted, but different content: two histories of one kernel (a "
                    + "mirror that rewrote it, or a publisher key that signed both)";
        }
        for (Map.Entry<Version, KernelIndex.Entry> e : old.versions().entrySet()) {
            KernelIndex.Entry now = candidate.versions().get(e.getKey());
            if (now == null) {
                return "its index (serial " + candidate.serial() + ") drops version " + e.getKey() + ", which the index "
                        + "this machine accepted (serial " + old.serial() + ") lists: versions are withdrawn by a signed "
                        + "yank, never by leaving them out";
            }
            if (!now.manifestSha256().equals(e.getValue().manifestSha256())) {
                return "its index (serial " + candidate.serial() + ") gives version " + e.getKey() + " a different manifest "
                        + "digest than the index this machine accepted: published versions never change";
            }
        }
        return null;
    }

    /**
     * Records {@code env} as the newest index of its kernel unless a newer one is stored already
     * (another process may have moved ahead meanwhile); refuses it when it is a rollback of what
     * is stored now.
     */
    public void acceptIndex(SignedEnvelope env, KernelIndex index) {
        Path file = indexFile(index.org(), index.name());
        try (ProcessLocks.Held lock = ProcessLocks.acquire(dir.resolve("locks").resolve("index-" + index.kernel()
                .replace('/', '+') + ".lock"))) {
            Optional<AcceptedIndex> seen = index(index.org(), index.name());
            if (seen.isPresent()) {
                String p = problem(seen.get(), index, env.payload());
                if (p != null) throw new HubException(index.kernel() + ": " + p);
                if (seen.get().index().serial() == index.serial() && sameSignatures(seen.get().envelope(), env)) return;
            }
            write(file, env.write());
        }
    }

    private static boolean sameSignatures(SignedEnvelope a, SignedEnvelope b) {
        return a.signatures().stream().map(ManifestSignature::keyId).collect(java.util.stream.Collectors.toSet())
                .containsAll(b.signatures().stream().map(ManifestSignature::keyId).toList());
    }

    /** The keys withdrawn for {@code org} by every revocation list this machine accepted. */
    public Set<String> revoked(String org) {
        return revocations(org).map(l -> l.revoked().keySet()).orElse(Set.of());
    }

    public Optional<RevocationList> revocations(String org) {
        return read(revocationFile(org)).map(env -> RevocationList.parse(env.payload()));
    }

    /**
     * Records a verified revocation list when it is newer than the stored one. A list that is
     * older, or newer but un-revokes a key, is refused (revocation is permanent).
     *
     * @return null when stored (or already known), else why it was not
     */
    public String acceptRevocations(SignedEnvelope env, RevocationList list) {
        try (ProcessLocks.Held lock = ProcessLocks.acquire(dir.resolve("locks").resolve("revocations-" + list.org() + ".lock"))) {
            Optional<RevocationList> seen = revocations(list.org());
            if (seen.isPresent()) {
                if (list.serial() <= seen.get().serial()) {
                    return list.serial() == seen.get().serial() ? null : "its serial " + list.serial()
                            + " is older than the list this machine accepted (serial " + seen.get().serial() + ")";
                }
                for (String k : seen.get().revoked().keySet()) {
                    if (!list.revoked().containsKey(k)) {
                        return "it no longer lists key " + k + ", which an earlier list revoked; revocation is permanent";
                    }
                }
            }
            write(revocationFile(list.org()), env.write());
            return null;
        }
    }

    private static Optional<SignedEnvelope> read(Path file) {
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
            return Optional.of(SignedEnvelope.parse(Files.readAllBytes(file), file.toString()));
        } catch (IOException | ManifestException e) {
            // refusing to guess: a damaged state file would otherwise silently reset rollback protection
            throw new HubException("cannot read " + file + " (" + e.getMessage() + "); it records what this machine accepted "
                    + "from hubs. Restore it from a backup, or delete it to start over for that kernel (rollback "
                    + "protection restarts from the next index)", e);
        }
    }

    private static void write(Path file, byte[] bytes) {
        try {
            io.kernelhub.hub.SecureDirectories.createPrivate(file.getParent());
            HubFiles.writeAtomically(file, bytes);
        } catch (IOException e) {
            throw new HubException("cannot record " + file + ": " + e + ". Check that KERNELHUB_HOME is writable.", e);
        }
    }

    private static String newest(KernelIndex i) {
        return i.versions().isEmpty() ? "none" : i.versions().keySet().stream().max(Version::compareTo).get().toString();
    }
}
