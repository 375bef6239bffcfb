package io.kernelhub.hub;

import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.core.version.Version;
import io.kernelhub.hub.HubClient.TrustException;
import io.kernelhub.hub.manifest.HubLayout;
import io.kernelhub.hub.manifest.ManifestException;
import io.kernelhub.hub.transport.FileHubSource;
import io.kernelhub.hub.transport.HubSource;
import io.kernelhub.hub.trust.KernelIndex;
import io.kernelhub.hub.trust.KeyRing;
import io.kernelhub.hub.trust.ManifestSignature;
import io.kernelhub.hub.trust.RevocationList;
import io.kernelhub.hub.trust.SignedEnvelope;
import io.kernelhub.hub.trust.TrustState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The client's trust policy (docs/SECURITY.md): which signed documents it accepts from a hub and
 * what it remembers of them. Remote content needs a valid signature by a key trusted for the
 * kernel's org and not revoked; the machine's own hub ({@code KERNELHUB_HOME/hub}) is trusted
 * as it is; {@code KERNELHUB_ALLOW_UNSIGNED} admits unsigned content only for orgs no trusted key
 * speaks for.
 */
final class HubTrust {

    private static final System.Logger LOG = System.getLogger("io.kernelhub.hub");

    private final HubSettings settings;
    private final KeyRing keys;
    private final TrustState state;

    HubTrust(HubSettings settings, KeyRing keys, TrustState state) {
        this.settings = settings;
        this.keys = keys;
        this.state = state;
    }

    TrustState state() {
        return state;
    }

    boolean isLocal(HubSource hub) {
        return hub instanceof FileHubSource f && f.root().toAbsolutePath().normalize().equals(settings.localHub());
    }

    boolean isLocal(String hubUri) {
        return hubUri.equals(settings.localHub().toUri().toString());
    }

    /** True when unsigned content of {@code org} may be accepted from a remote hub (logged by the caller). */
    boolean unsignedAllowedFor(String org) {
        return settings.allowUnsigned() && !keys.hasKeyFor(org);
    }

    private String unsignedRefusal(String what, String org) {
        if (settings.allowUnsigned()) {
            return what + " is not signed, and " + HubSettings.ALLOW_UNSIGNED + " does not apply to org '" + org
                    + "' because a key is trusted for it (kernelhub trust list): its content must be signed. Ask the "
                    + "publisher to sign it.";
        }
        return what + " is not signed, and remote content needs a valid signature from a key trusted for '" + org
                + "'. Ask the publisher to sign it (kernelhub keygen, then publish), or, if you accept the risk and no key "
                + "is trusted for that org, set " + HubSettings.ALLOW_UNSIGNED + "=1.";
    }

    /**
     * Checks a kernel index's signatures.
     *
     * @return how it is trusted, for {@code resolve}'s output
     */
    String indexTrust(HubSource hub, SignedEnvelope env, KernelIndex index, Set<String> revoked) {
        String what = "the index of " + index.kernel() + " (serial " + index.serial() + ") from " + hub.uri();
        if (env.signatures().isEmpty()) {
            return unsigned(what, index.org(), isLocal(hub), "local hub (unsigned index)",
                    "unsigned index (accepted: " + HubSettings.ALLOW_UNSIGNED + "=1)");
        }
        return signed(env.preAuthenticationEncoding(), env.signatures(), what, index.org(), revoked, isLocal(hub),
                "local hub (index signed by a key not trusted here)");
    }

    /** Checks a manifest's own signatures (lockfile and legacy hubs without an index). */
    String manifestTrust(HubSource hub, HubKernelId id, Version version, byte[] manifest, Optional<byte[]> sig,
            Set<String> revoked) {
        String what = "the manifest of " + id.kernel() + " " + version + " from " + hub.uri();
        if (sig.isPresent()) {
            List<ManifestSignature> sigs;
            try {
                sigs = ManifestSignature.parseAll(sig.get());
            } catch (ManifestException e) {
                throw new TrustException(what + ": its signature file is malformed (" + e.getMessage() + "); refusing it");
            }
            return signed(manifest, sigs, what, id.org(), revoked, isLocal(hub), "local hub (signed by a key not trusted here)");
        }
        return unsigned(what, id.org(), isLocal(hub), "local hub (unsigned; trusted because it is this machine's own hub)",
                "unsigned (accepted: " + HubSettings.ALLOW_UNSIGNED + "=1)");
    }

    /**
     * "signed by key ..." when a key trusted for {@code org} and not revoked signed {@code data};
     * the machine's own hub may also carry signatures by keys not trusted here ({@code localTrust}).
     * Anything else is a trust failure that stops resolution.
     */
    private String signed(byte[] data, List<ManifestSignature> sigs, String what, String org, Set<String> revoked,
            boolean local, String localTrust) {
        try {
            return "signed by key " + String.join(", ", keys.verify(data, sigs, what, org, revoked));
        } catch (KeyRing.NoTrustedSignatureException e) {
            if (local) return localTrust;
            throw new TrustException(e.getMessage());
        } catch (HubException e) {
            throw new TrustException(e.getMessage());
        }
    }

    /**
     * Unsigned content: the machine's own hub's ({@code localTrust}), or accepted under
     * {@code KERNELHUB_ALLOW_UNSIGNED} for an org no trusted key speaks for (logged on every use,
     * {@code acceptedTrust}); refused otherwise.
     */
    private String unsigned(String what, String org, boolean local, String localTrust, String acceptedTrust) {
        if (local) {
            return localTrust;
        }
        if (unsignedAllowedFor(org)) {
            LOG.log(System.Logger.Level.WARNING, "accepting UNSIGNED " + what + " because " + HubSettings.ALLOW_UNSIGNED
                    + " is set");
            return acceptedTrust;
        }
        throw new TrustException(unsignedRefusal(what, org));
    }

    /**
     * Reads the org's revocation list from a hub (when it has one), accepts it when a key trusted
     * for the org signed it, and returns every key withdrawn for the org so far.
     */
    Set<String> revocations(HubSource hub, String org) {
        Optional<byte[]> raw = hub.fetch(HubLayout.revocations(org), SignedEnvelope.MAX_BYTES);
        if (raw.isPresent()) {
            String what = "the revocation list of '" + org + "' from " + hub.uri();
            SignedEnvelope env = SignedEnvelope.parse(raw.get(), what);
            if (!RevocationList.PAYLOAD_TYPE.equals(env.payloadType())) {
                throw new ManifestException(what + " has payload type '" + env.payloadType() + "', not "
                        + RevocationList.PAYLOAD_TYPE);
            }
            RevocationList list = RevocationList.parse(env.payload());
            if (!list.org().equals(org)) {
                throw new TrustException(what + " speaks for org '" + list.org() + "'; refusing it");
            }
            try {
                keys.verify(env.preAuthenticationEncoding(), env.signatures(), what, org, state.revoked(org));
                String why = state.acceptRevocations(env, list);
                if (why != null) {
                    LOG.log(System.Logger.Level.WARNING, "ignoring " + what + ": " + why);
                }
            } catch (KeyRing.NoTrustedSignatureException e) {
                // no key this machine trusts for the org signed it: it cannot withdraw anything here
                LOG.log(System.Logger.Level.DEBUG, "ignoring " + what + ": " + e.getMessage());
            } catch (HubException e) {
                throw new TrustException(e.getMessage());
            }
        }
        return state.revoked(org);
    }

    /**
     * The trust policy applies offline too, against today's keys, revocations and settings: the
     * stored index (or the cached signature) is verified again, and an unsigned manifest from a
     * remote hub needs {@code KERNELHUB_ALLOW_UNSIGNED} now, not only when it was cached.
     */
    String offlineTrust(HubKernelId id, Version v, byte[] manifest, String manifestSha, Optional<byte[]> sig, String hub) {
        String what = "the cached manifest of " + id.kernel() + " " + v;
        boolean local = isLocal(hub);
        Set<String> revoked = state.revoked(id.org());
        Optional<TrustState.AcceptedIndex> idx = state.index(id.org(), id.name());
        if (idx.isPresent() && idx.get().index().versions().containsKey(v)
                && idx.get().index().versions().get(v).manifestSha256().equals(manifestSha)
                && !idx.get().envelope().signatures().isEmpty()) {
            try {
                return "signed by key " + String.join(", ", keys.verify(idx.get().envelope().preAuthenticationEncoding(),
                        idx.get().envelope().signatures(), what, id.org(), revoked)) + " (signed index, cached)";
            } catch (HubException e) {
                if (!local && sig.isEmpty()) throw new TrustException(e.getMessage());
            }
        }
        if (sig.isPresent()) {
            try {
                return "signed by key " + String.join(", ", keys.verify(manifest, ManifestSignature.parseAll(sig.get()), what,
                        id.org(), revoked)) + " (cached)";
            } catch (HubException e) {
                if (!local) throw new TrustException(e.getMessage());
            }
        }
        return unsigned(what + " (from " + hub + ")", id.org(), local, "local hub (cached)",
                "unsigned (accepted: " + HubSettings.ALLOW_UNSIGNED + "=1, cached)");
    }

    /** Why an index must not be used now, or null: expired, or a rollback of what this machine accepted. */
    String freshnessProblem(KernelIndex index, byte[] payload, Instant now) {
        if (index.expiredAt(now)) {
            return "its index (serial " + index.serial() + ") expired at " + index.expires() + ": the hub or mirror serves "
                    + "a stale copy (a freeze), or the publisher has not re-signed it (kernelhub index refresh "
                    + index.kernel() + ")";
        }
        return state.rollbackProblem(index, payload);
    }
}
