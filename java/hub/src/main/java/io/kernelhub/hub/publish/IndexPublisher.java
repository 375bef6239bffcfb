package io.kernelhub.hub.publish;

import io.kernelhub.core.version.Version;
import io.kernelhub.hub.Digests;
import io.kernelhub.hub.HubException;
import io.kernelhub.hub.manifest.HubLayout;
import io.kernelhub.hub.manifest.ManifestException;
import io.kernelhub.hub.manifest.MavenMetadata;
import io.kernelhub.hub.trust.KernelIndex;
import io.kernelhub.hub.trust.KeyRing;
import io.kernelhub.hub.trust.ManifestSignature;
import io.kernelhub.hub.trust.RevocationList;
import io.kernelhub.hub.trust.SignedEnvelope;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Maintains a kernel's signed index on a hub (publish, yank, refresh, co-sign) and an org's
 * revocation list. Every change re-signs with this machine's signing key, raises the serial and
 * sets a new expiry. An index already on the hub is extended only when a key this machine trusts
 * for the org signed it (never launder a hub's edits into a new signature); an unsigned one, or
 * a hub from before indexes, is rebuilt from the manifests the hub holds.
 */
public final class IndexPublisher {

    /** How long an index stays valid when nobody re-signs it: the longest a frozen mirror goes unnoticed. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofDays(30);

    private final KeyRing keys;
    private final Duration lifetime;

    public IndexPublisher(KeyRing keys, Duration lifetime) {
        if (lifetime.isNegative() || lifetime.isZero()) throw new IllegalArgumentException("index lifetime must be positive");
        this.keys = keys;
        this.lifetime = lifetime;
    }

    /** What an index change did. */
    public record Outcome(KernelIndex index, List<String> signedBy) {}

    /**
     * The hub's versions as the next index starts from them.
     *
     * @param index what the hub lists (rebuilt from its manifests when it has no index yet)
     * @param onHub whether the hub has an index: if not, the next one is the kernel's first (serial 1)
     */
    private record Current(KernelIndex index, boolean onHub) {}

    /** Lists {@code v} with its manifest digest (a no-op when it is listed with that digest and still current). */
    public Outcome addVersion(HubTarget hub, String org, String name, Version v, String manifestSha256) {
        Current current = current(hub, org, name);
        KernelIndex.Entry listed = current == null ? null : current.index().versions().get(v);
        if (listed != null && !listed.manifestSha256().equals(manifestSha256)) {
            throw new HubException(org + "/" + name + " " + v + " is listed in the hub's signed index with another manifest "
                    + "digest; published versions never change. Bump the version.");
        }
        if (listed != null && current.onHub()) {
            return new Outcome(current.index(), List.of()); // already listed: publishing the same version again changes nothing
        }
        return write(hub, org, name, current, Map.of(v, new KernelIndex.Entry(manifestSha256, null)));
    }

    /** Withdraws a version (reason given) or restores it (reason null). */
    public Outcome yank(HubTarget hub, String org, String name, Version v, String reason) {
        Current current = current(hub, org, name);
        if (current == null || !current.index().versions().containsKey(v)) {
            throw new HubException(org + "/" + name + " " + v + " is not published at " + hub.uri() + "; nothing to yank");
        }
        if (reason != null && reason.isBlank()) {
            throw new HubException("a yank needs a reason (--reason TEXT): users see it when they resolve");
        }
        return write(hub, org, name, current, Map.of(v, new KernelIndex.Entry(
                current.index().versions().get(v).manifestSha256(), reason)));
    }

    /** Re-signs the index unchanged but for a higher serial and a new expiry (run before it expires). */
    public Outcome refresh(HubTarget hub, String org, String name) {
        Current current = current(hub, org, name);
        if (current == null) {
            throw new HubException(org + "/" + name + " is not published at " + hub.uri() + "; nothing to refresh");
        }
        return write(hub, org, name, current, Map.of());
    }

    /**
     * Adds this machine's signature to the index as it is (same bytes, same serial) and to every
     * listed version's manifest signature file: how a new key takes over old versions before the
     * old key is revoked.
     */
    public Outcome cosign(HubTarget hub, String org, String name) {
        Optional<byte[]> raw = hub.get(HubLayout.index(org, name));
        if (raw.isEmpty()) {
            throw new HubException(org + "/" + name + " has no signed index at " + hub.uri() + "; publish it first");
        }
        SignedEnvelope env = SignedEnvelope.parse(raw.get(), "the index at " + hub.uri());
        KernelIndex index = KernelIndex.parse(env.payload());
        requireTrusted(env, index, hub);
        ManifestSignature mine = sign(env.preAuthenticationEncoding()).orElseThrow(() -> noKey());
        for (Map.Entry<Version, KernelIndex.Entry> e : index.versions().entrySet()) {
            String mpath = HubLayout.manifest(org, name, e.getKey());
            byte[] manifest = hub.get(mpath).orElseThrow(() -> new HubException(hub.uri() + " lists " + e.getKey()
                    + " but has no manifest " + mpath));
            if (!Digests.sha256(manifest).equals(e.getValue().manifestSha256())) {
                throw new HubException(mpath + " at " + hub.uri() + " does not match the signed index; not signing it");
            }
            List<ManifestSignature> sigs = new ArrayList<>(hub.get(mpath + ".sig").map(ManifestSignature::parseAll)
                    .orElse(List.of()));
            ManifestSignature m = sign(manifest).orElseThrow(() -> noKey());
            sigs.removeIf(s -> s.keyId().equals(m.keyId()));
            sigs.add(m);
            hub.put(mpath + ".sig", ManifestSignature.writeAll(sigs));
        }
        SignedEnvelope signed = env.withSignature(mine);
        hub.put(HubLayout.index(org, name), signed.write());
        return new Outcome(index, signed.signatures().stream().map(ManifestSignature::keyId).toList());
    }

    /** Adds {@code keyId} to the org's signed revocation list on the hub. */
    public RevocationList revoke(HubTarget hub, String org, String keyId, String reason) {
        if (reason == null || reason.isBlank()) {
            throw new HubException("a revocation needs a reason (--reason TEXT)");
        }
        Optional<byte[]> raw = hub.get(HubLayout.revocations(org));
        RevocationList next;
        if (raw.isPresent()) {
            SignedEnvelope env = SignedEnvelope.parse(raw.get(), "the revocation list at " + hub.uri());
            RevocationList old = RevocationList.parse(env.payload());
            keys.verify(env.preAuthenticationEncoding(), env.signatures(), "the revocation list of '" + org + "' at "
                    + hub.uri(), org, Set.of());
            next = old.with(keyId, reason);
        } else {
            next = new RevocationList(org, 1, Map.of(keyId, reason));
        }
        byte[] payload = next.write();
        ManifestSignature sig = sign(SignedEnvelope.preAuthenticationEncoding(RevocationList.PAYLOAD_TYPE, payload))
                .orElseThrow(() -> noKey());
        hub.put(HubLayout.revocations(org), new SignedEnvelope(RevocationList.PAYLOAD_TYPE, payload, List.of(sig)).write());
        return next;
    }

    private HubException noKey() {
        return new HubException("no signing key in " + keys.directory() + "; create one with kernelhub keygen");
    }

    private Optional<ManifestSignature> sign(byte[] data) {
        return keys.sign(data);
    }

    /** The hub's index when it may be extended, or null when the kernel has none yet (built from the hub's manifests). */
    private Current current(HubTarget hub, String org, String name) {
        Optional<byte[]> raw = hub.get(HubLayout.index(org, name));
        if (raw.isEmpty()) {
            KernelIndex rebuilt = rebuilt(hub, org, name, 1);
            return rebuilt == null ? null : new Current(rebuilt, false);
        }
        SignedEnvelope env;
        KernelIndex index;
        try {
            env = SignedEnvelope.parse(raw.get(), "the index at " + hub.uri());
            index = KernelIndex.parse(env.payload());
        } catch (ManifestException e) {
            throw new HubException("the index of " + org + "/" + name + " at " + hub.uri() + " is malformed (" + e.getMessage()
                    + "); remove it from the hub and publish again to rebuild it from the manifests");
        }
        if (env.signatures().isEmpty()) { // nobody vouched for its entries: re-derive them, keeping the serial
            KernelIndex rebuilt = rebuilt(hub, org, name, index.serial());
            return rebuilt == null ? null : new Current(rebuilt, true);
        }
        requireTrusted(env, index, hub);
        return new Current(index, true);
    }

    private void requireTrusted(SignedEnvelope env, KernelIndex index, HubTarget hub) {
        try {
            keys.verify(env.preAuthenticationEncoding(), env.signatures(), "the index of " + index.kernel() + " at " + hub.uri(),
                    index.org(), Set.of());
        } catch (HubException e) {
            throw new HubException(e.getMessage() + " Publishing extends the index only when a key this machine trusts for '"
                    + index.org() + "' signed it (kernelhub trust add THEIR.pub --org " + index.org() + ").");
        }
    }

    /** An index of what the hub holds (maven-metadata.xml and each manifest's digest), or null when it holds nothing. */
    private static KernelIndex rebuilt(HubTarget hub, String org, String name, long serial) {
        Optional<byte[]> meta = hub.get(HubLayout.metadata(org, name));
        if (meta.isEmpty()) {
            return null;
        }
        Map<Version, KernelIndex.Entry> versions = new LinkedHashMap<>();
        for (Version v : MavenMetadata.parse(meta.get()).versions()) {
            hub.get(HubLayout.manifest(org, name, v)).ifPresent(m -> versions.put(v, new KernelIndex.Entry(Digests.sha256(m),
                    null)));
        }
        return new KernelIndex(org + "/" + name, serial, Instant.EPOCH, versions);
    }

    private Outcome write(HubTarget hub, String org, String name, Current current, Map<Version, KernelIndex.Entry> changes) {
        Instant expiry = Instant.now().plus(lifetime);
        KernelIndex next;
        if (current == null || !current.onHub()) { // the kernel's first index: serial 1
            Map<Version, KernelIndex.Entry> all = new LinkedHashMap<>(current == null ? Map.of() : current.index().versions());
            all.putAll(changes);
            next = KernelIndex.first(org + "/" + name, expiry, all);
        } else {
            next = current.index().next(expiry, changes);
        }
        byte[] payload = next.write();
        List<ManifestSignature> sigs = sign(SignedEnvelope.preAuthenticationEncoding(KernelIndex.PAYLOAD_TYPE, payload))
                .map(List::of).orElse(List.of()); // no key: an unsigned index, which only a machine's own hub may use
        hub.put(HubLayout.index(org, name), new SignedEnvelope(KernelIndex.PAYLOAD_TYPE, payload, sigs).write());
        return new Outcome(next, sigs.stream().map(ManifestSignature::keyId).toList());
    }
}
