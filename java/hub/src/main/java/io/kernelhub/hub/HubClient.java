package io.kernelhub.hub;

import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.core.version.Version;
import io.kernelhub.core.version.VersionSpec;
import io.kernelhub.hub.cache.CacheEntry;
import io.kernelhub.hub.cache.KernelCache;
import io.kernelhub.hub.lock.Lockfile;
import io.kernelhub.hub.manifest.HubLayout;
import io.kernelhub.hub.manifest.KernelManifest;
import io.kernelhub.hub.manifest.ManifestCodec;
import io.kernelhub.hub.manifest.ManifestException;
import io.kernelhub.hub.manifest.MavenMetadata;
import io.kernelhub.hub.manifest.VariantEntry;
import io.kernelhub.hub.select.MachineProfile;
import io.kernelhub.hub.select.Selection;
import io.kernelhub.hub.select.VariantSelector;
import io.kernelhub.hub.transport.FileHubSource;
import io.kernelhub.hub.transport.HubSource;
import io.kernelhub.hub.transport.TransferListener;
import io.kernelhub.hub.trust.KeyRing;
import io.kernelhub.hub.trust.KernelIndex;
import io.kernelhub.hub.trust.ManifestSignature;
import io.kernelhub.hub.trust.SignedEnvelope;
import io.kernelhub.hub.trust.TrustState;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Resolves hub ids to versions and variants, and installs the chosen variant into the cache.
 * Every hub is asked for the org's revocation list and the kernel's signed index; the newest
 * valid index wins (an expired one, or one older than what this machine accepted before, is
 * refused); the chosen version's manifest must have the digest the index lists. Trust is
 * checked before anything is downloaded, the archive's digest while it streams. A lockfile pins
 * version and manifest digest instead, and ids it does not list are refused.
 */
public final class HubClient {

    private static final System.Logger LOG = System.getLogger("io.kernelhub.hub");

    private final HubSettings settings;
    private final KernelCache cache;
    private final KeyRing keys;
    private final Supplier<MachineProfile> machine;
    private final int abiVersion;
    private final TransferListener listener;
    private final Lockfile lock;
    private final HubTrust trust;

    /**
     * @param machine    the machine to select for (a supplier: the CUDA probe runs only when needed)
     * @param abiVersion the ABI version the host implements
     */
    public HubClient(HubSettings settings, Supplier<MachineProfile> machine, int abiVersion, TransferListener listener) {
        this.settings = settings;
        // another local account must not be able to plant keys, state, hub content or cached code
        Path home = settings.home();
        SecureDirectories.requireSafe(home, "KERNELHUB_HOME");
        SecureDirectories.requireSafe(home, settings.keysDir().resolve("trusted"), "the trusted keys");
        SecureDirectories.requireSafe(home, settings.stateDir(), "the trust state");
        SecureDirectories.requireSafe(home, settings.localHub(), "the local hub");
        this.cache = new KernelCache(settings.cacheDir());
        cache.requireSafe();
        this.keys = new KeyRing(settings.keysDir());
        this.machine = machine;
        this.abiVersion = abiVersion;
        this.listener = listener;
        this.lock = settings.lockfile() == null ? null : Lockfile.read(settings.lockfile());
        this.trust = new HubTrust(settings, keys, new TrustState(settings.stateDir()));
    }

    public KernelCache cache() {
        return cache;
    }

    public HubSettings settings() {
        return settings;
    }

    /** An installed variant: where its library is. */
    public record Installed(Resolution resolution, VariantEntry variant, CacheEntry entry) {
        public Path library() {
            return entry.file(variant.library());
        }
    }

    /** Resolves and installs; the error says every hub's answer and each rejected variant when nothing fits. */
    public Installed fetch(HubKernelId id) {
        return install(resolve(id));
    }

    /** Chooses version and variant without downloading the archive. */
    public Resolution resolve(HubKernelId id) {
        HubKernelId kernel = new HubKernelId(id.org(), id.name(), id.versionSpec(), null);
        VersionSpec spec = id.spec();
        Optional<Lockfile.Entry> locked = lock == null ? Optional.empty() : lock.entry(kernel.kernel());
        if (lock != null && locked.isEmpty()) {
            if (!settings.lockAllowUnlisted()) {
                throw new TrustException(HubSettings.LOCKFILE + "=" + settings.lockfile() + " is set, and it does not pin "
                        + kernel.kernel() + ": with a lockfile only the kernels it lists load. Add it (kernelhub lock " + id
                        + " --out " + settings.lockfile() + "), or set " + HubSettings.LOCK_ALLOW_UNLISTED
                        + "=1 to resolve unlisted ids unpinned.");
            }
            LOG.log(System.Logger.Level.WARNING, "resolving " + kernel.kernel() + " UNPINNED: the lockfile " + settings.lockfile()
                    + " does not list it and " + HubSettings.LOCK_ALLOW_UNLISTED + " is set");
        }
        if (locked.isPresent() && !spec.matches(locked.get().version())) {
            throw new HubException("the lockfile " + settings.lockfile() + " pins " + kernel.kernel() + " at "
                    + locked.get().version() + ", which does not satisfy '" + id.versionSpec() + "'. Update the lock: "
                    + "kernelhub lock " + id + " --out " + settings.lockfile());
        }
        if (settings.offline()) {
            return resolveOffline(id, spec, locked);
        }
        List<String> notes = new ArrayList<>();
        List<HubSource> unindexed = new ArrayList<>();
        IndexCandidate newest = null;
        boolean stale = false;
        for (String url : settings.hubs()) {
            HubSource hub;
            try {
                hub = HubSource.of(url, settings.retry());
            } catch (HubException e) {
                notes.add(url + ": " + e.getMessage());
                continue;
            }
            try {
                Set<String> revoked = trust.revocations(hub, id.org());
                if (locked.isPresent()) {
                    Optional<Resolution> r = resolvePinned(hub, id, locked.get(), revoked, notes);
                    if (r.isPresent()) return r.get();
                    continue;
                }
                Optional<byte[]> raw = hub.fetch(HubLayout.index(id.org(), id.name()), SignedEnvelope.MAX_BYTES);
                if (raw.isEmpty()) {
                    if (trust.isLocal(hub) || trust.unsignedAllowedFor(id.org())) {
                        unindexed.add(hub); // a hub from before signed indexes: its maven-metadata.xml, under the same policy
                    } else {
                        notes.add(hub.uri() + ": has no signed index for " + id.kernel() + " (" + KernelIndex.FILE_NAME
                                + "); its version list cannot be trusted");
                    }
                    continue;
                }
                IndexCandidate c = readIndex(hub, id, raw.get(), revoked);
                String problem = trust.freshnessProblem(c.index(), c.envelope().payload(), Instant.now());
                if (problem != null) {
                    notes.add(hub.uri() + ": " + problem);
                    stale = true;
                } else if (newest == null || c.index().serial() > newest.index().serial()) {
                    newest = c; // several hubs: the newest valid index wins, not the first hub
                }
            } catch (ManifestException e) {
                throw new HubException("hub " + url + " serves a malformed file for " + kernel.kernel() + ": " + e.getMessage()
                        + ". Nothing was cached; report it to the hub's owner.", e);
            } catch (HubException e) {
                if (e instanceof TrustException) {
                    throw e; // a bad signature is an attack or a mistake: never fall through to another hub silently
                }
                notes.add(url + ": " + e.getMessage());
            }
        }
        if (newest != null) {
            trust.state().acceptIndex(newest.envelope(), newest.index());
            return resolveFromIndex(newest, id, spec, notes);
        }
        for (HubSource hub : unindexed) {
            try {
                Optional<Resolution> r = resolveUnindexed(hub, id, spec, notes);
                if (r.isPresent()) return r.get();
            } catch (ManifestException e) {
                throw new HubException("hub " + hub.uri() + " serves a malformed file for " + kernel.kernel() + ": "
                        + e.getMessage() + ". Nothing was cached; report it to the hub's owner.", e);
            }
        }
        String message = "cannot resolve " + id + ": no hub has a matching version" + (stale ? " in a current index" : "")
                + ".\n  " + String.join("\n  ", notes);
        if (stale) {
            throw new TrustException(message + "\nRefusing stale or rolled-back version lists. Try another hub, or ask the "
                    + "publisher to re-sign the index.");
        }
        throw new HubException(message + "\nCheck the id and version spec (kernelhub resolve " + id.kernel()
                + " lists what exists), or add a hub with KERNELHUB_HUB=URL[,URL...].");
    }

    /**
     * What loading {@code id} would use when {@code KERNELHUB_LOCAL_KERNELS} names a build for it
     * (marked as local: not signed, not from a hub), through the same variant selection; empty
     * when it names none.
     */
    public Optional<Resolution> resolveLocal(HubKernelId id, io.kernelhub.bridge.LocalKernels local) {
        Optional<Path> dir = local.directoryFor(id);
        if (dir.isEmpty()) return Optional.empty();
        LocalBuild build = LocalBuild.read(dir.get());
        if (build == null) {
            throw new HubException(io.kernelhub.bridge.LocalKernels.ENV + " maps " + id.kernel() + " to " + dir.get()
                    + ", which holds no built variant (VARIANT/kernel.json + library). Build it: kernelhub build DIR");
        }
        return Optional.of(new Resolution(id, build.manifest(), "-", dir.get().toUri().toString(), "local build ("
                + io.kernelhub.bridge.LocalKernels.ENV + "; not from a hub, not signed)", select(build.manifest()), List.of()));
    }

    /** Trust failures stop resolution (they are not "this hub lacks the kernel"). */
    public static final class TrustException extends HubException {
        private static final long serialVersionUID = 1L;

        public TrustException(String message) {
            super(message);
        }
    }

    /** A verified index and the hub it came from. */
    private record IndexCandidate(HubSource hub, SignedEnvelope envelope, KernelIndex index, String trust) {}

    private IndexCandidate readIndex(HubSource hub, HubKernelId id, byte[] raw, Set<String> revoked) {
        String what = "the index of " + id.kernel() + " at " + hub.uri();
        SignedEnvelope env = SignedEnvelope.parse(raw, what);
        if (!KernelIndex.PAYLOAD_TYPE.equals(env.payloadType())) {
            throw new ManifestException(what + " has payload type '" + env.payloadType() + "', not " + KernelIndex.PAYLOAD_TYPE);
        }
        KernelIndex index = KernelIndex.parse(env.payload());
        if (!index.kernel().equals(id.kernel())) {
            throw new TrustException("hub " + hub.uri() + " answered the index of " + id.kernel() + " with one for "
                    + index.kernel() + "; refusing it");
        }
        return new IndexCandidate(hub, env, index, trust.indexTrust(hub, env, index, revoked));
    }

    /**
     * Picks the version from a verified index (yanked versions only for an exact pin, with a
     * warning) and fetches its manifest, which must have the digest the index lists.
     */
    private Resolution resolveFromIndex(IndexCandidate c, HubKernelId id, VersionSpec spec, List<String> notes) {
        KernelIndex index = c.index();
        List<Version> live = index.versions().entrySet().stream().filter(e -> !e.getValue().isYanked())
                .map(Map.Entry::getKey).toList();
        Optional<Version> best = spec.best(live);
        String yankNote = "";
        if (best.isEmpty() && spec instanceof VersionSpec.Exact exact && index.versions().containsKey(exact.version())) {
            String reason = index.versions().get(exact.version()).yanked();
            LOG.log(System.Logger.Level.WARNING, id.kernel() + " " + exact.version() + " was YANKED by its publisher (" + reason
                    + "); loading it only because it is pinned exactly. Move to a newer version.");
            best = Optional.of(exact.version());
            yankNote = "; yanked: " + reason;
        }
        if (best.isEmpty()) {
            List<String> yanked = index.versions().entrySet().stream().filter(e -> e.getValue().isYanked())
                    .map(e -> e.getKey() + " (" + e.getValue().yanked() + ")").toList();
            throw new HubException("cannot resolve " + id + ": the newest index (serial " + index.serial() + ", from "
                    + c.hub().uri() + ") lists " + live + (yanked.isEmpty() ? "" : " and yanked " + yanked) + ", none matching '"
                    + (id.versionSpec() == null ? "latest release" : id.versionSpec()) + "'. Check the version spec (kernelhub "
                    + "resolve " + id.kernel() + "); a yanked version loads only when pinned exactly (@VERSION).");
        }
        Version version = best.get();
        HubSource hub = c.hub();
        Optional<byte[]> mbytes = hub.fetch(HubLayout.manifest(id.org(), id.name(), version), ManifestCodec.MAX_BYTES);
        if (mbytes.isEmpty()) {
            throw new HubException("hub " + hub.uri() + " lists " + id.kernel() + " " + version + " in its signed index but "
                    + "has no manifest for it; report it to the hub's owner");
        }
        byte[] bytes = mbytes.get();
        String sha = Digests.sha256(bytes);
        String want = index.versions().get(version).manifestSha256();
        if (!sha.equals(want)) {
            throw new TrustException("the manifest of " + id.kernel() + " " + version + " at " + hub.uri() + " has sha256 "
                    + sha + ", but the signed index lists " + want + ": the hub serves content its publisher did not sign. "
                    + "Refusing it; nothing was cached.");
        }
        KernelManifest m = parseManifestFor(hub, id, version, bytes);
        String how = c.trust() + " (index serial " + index.serial() + ", expires " + index.expires() + yankNote + ")";
        storeManifest(m, bytes, Optional.empty(), hub.uri().toString(), how);
        return new Resolution(id, m, sha, hub.uri().toString(), how, select(m), notes);
    }

    private static KernelManifest parseManifestFor(HubSource hub, HubKernelId id, Version version, byte[] bytes) {
        KernelManifest m = ManifestCodec.parse(bytes);
        if (!m.id().equals(id.kernel()) || !m.version().equals(version)) {
            throw new TrustException("hub " + hub.uri() + " answered the manifest of " + id.kernel() + " " + version
                    + " with one for " + m.id() + " " + m.version() + "; refusing it");
        }
        return m;
    }

    /** A version the lockfile pins: its manifest must have the locked digest and a trusted signature. */
    private Optional<Resolution> resolvePinned(HubSource hub, HubKernelId id, Lockfile.Entry locked, Set<String> revoked,
            List<String> notes) {
        Version version = locked.version();
        Optional<byte[]> mbytes = hub.fetch(HubLayout.manifest(id.org(), id.name(), version), ManifestCodec.MAX_BYTES);
        if (mbytes.isEmpty()) {
            notes.add(hub.uri() + ": has no manifest for " + id.kernel() + " " + version + " (pinned by the lockfile)");
            return Optional.empty();
        }
        byte[] bytes = mbytes.get();
        String sha = Digests.sha256(bytes);
        KernelManifest m = parseManifestFor(hub, id, version, bytes);
        if (!locked.manifestSha256().equals(sha)) {
            throw new TrustException("the manifest of " + id.kernel() + " " + version + " at " + hub.uri()
                    + " differs from the one the lockfile pins (sha256 " + sha + ", locked "
                    + locked.manifestSha256() + "). Published versions never change: this hub serves different "
                    + "content. Refusing it.");
        }
        return Optional.of(withManifestSignature(hub, id, version, m, bytes, sha, revoked, notes));
    }

    /** A hub without a signed index (its own local hub, or ALLOW_UNSIGNED for an org nobody is trusted for). */
    private Optional<Resolution> resolveUnindexed(HubSource hub, HubKernelId id, VersionSpec spec, List<String> notes) {
        Optional<byte[]> meta = hub.fetch(HubLayout.metadata(id.org(), id.name()), MavenMetadata.MAX_BYTES);
        if (meta.isEmpty()) {
            notes.add(hub.uri() + ": has no kernel " + id.kernel());
            return Optional.empty();
        }
        MavenMetadata md = MavenMetadata.parse(meta.get());
        Optional<Version> best = spec.best(md.versions());
        if (best.isEmpty()) {
            notes.add(hub.uri() + ": has " + id.kernel() + " versions " + md.versions() + ", none matching '"
                    + (id.versionSpec() == null ? "latest release" : id.versionSpec()) + "'");
            return Optional.empty();
        }
        Version version = best.get();
        Optional<byte[]> mbytes = hub.fetch(HubLayout.manifest(id.org(), id.name(), version), ManifestCodec.MAX_BYTES);
        if (mbytes.isEmpty()) {
            notes.add(hub.uri() + ": lists " + id.kernel() + " " + version + " but has no manifest for it");
            return Optional.empty();
        }
        byte[] bytes = mbytes.get();
        KernelManifest m = parseManifestFor(hub, id, version, bytes);
        return Optional.of(withManifestSignature(hub, id, version, m, bytes, Digests.sha256(bytes),
                trust.state().revoked(id.org()), notes));
    }

    private Resolution withManifestSignature(HubSource hub, HubKernelId id, Version version, KernelManifest m, byte[] bytes,
            String sha, Set<String> revoked, List<String> notes) {
        Optional<byte[]> sig = hub.fetch(HubLayout.signature(id.org(), id.name(), version), ManifestSignature.MAX_BYTES);
        String how = trust.manifestTrust(hub, id, version, bytes, sig, revoked);
        storeManifest(m, bytes, sig, hub.uri().toString(), how);
        return new Resolution(id, m, sha, hub.uri().toString(), how, select(m), notes);
    }

    private Selection select(KernelManifest m) {
        return new VariantSelector(machine.get(), abiVersion, 0).select(m);
    }

    /** Verified manifests kept for offline use: manifests/<org>/<name>/<ver>/{manifest, .sig, origin}. */
    private void storeManifest(KernelManifest m, byte[] bytes, Optional<byte[]> sig, String hub, String trust) {
        try {
            Path dir = Files.createDirectories(cache.manifests().resolve(m.org()).resolve(m.name()).resolve(m.version().toString()));
            HubFiles.writeAtomically(dir.resolve(m.fileName()), bytes);
            if (sig.isPresent()) HubFiles.writeAtomically(dir.resolve(m.fileName() + ".sig"), sig.get());
            HubFiles.writeAtomically(dir.resolve("origin.txt"), (hub + "\n" + trust + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot keep the manifest for offline use: " + e);
        }
    }

    private Resolution resolveOffline(HubKernelId id, VersionSpec spec, Optional<Lockfile.Entry> locked) {
        Path base = cache.manifests().resolve(id.org()).resolve(id.name());
        List<Version> have = new ArrayList<>();
        if (Files.isDirectory(base)) {
            try (Stream<Path> s = Files.list(base)) {
                s.map(p -> p.getFileName().toString()).filter(Version::isValid).map(Version::parse).forEach(have::add);
            } catch (IOException e) {
                throw new HubException("cannot read the cache at " + base + ": " + e, e);
            }
        }
        // yanks in the newest index this machine accepted apply offline too (an exact pin still loads)
        Optional<KernelIndex> index = trust.state().index(id.org(), id.name()).map(TrustState.AcceptedIndex::index);
        List<Version> live = have.stream().filter(v -> index.map(i -> !i.versions().containsKey(v)
                || !i.versions().get(v).isYanked()).orElse(true)).toList();
        Optional<Version> v = locked.map(Lockfile.Entry::version).filter(have::contains).or(() -> spec.best(live))
                .or(() -> spec instanceof VersionSpec.Exact e && have.contains(e.version()) ? Optional.of(e.version())
                        : Optional.empty());
        if (v.isEmpty()) {
            throw new HubException("cannot resolve " + id + " offline (" + HubSettings.OFFLINE + "=1): the cache has "
                    + (have.isEmpty() ? "no version of " + id.kernel() : "versions " + have + ", none matching (yanked "
                    + "versions load only when pinned exactly)") + ". Run kernelhub download " + id + " while online, or unset "
                    + HubSettings.OFFLINE + ".");
        }
        Path dir = base.resolve(v.get().toString());
        try {
            byte[] bytes = Files.readAllBytes(dir.resolve(HubLayout.manifestFile(id.name(), v.get())));
            List<String> origin = Files.exists(dir.resolve("origin.txt")) ? Files.readAllLines(dir.resolve("origin.txt")) : List.of();
            KernelManifest m = ManifestCodec.parse(bytes);
            String sha = Digests.sha256(bytes);
            Path sigFile = dir.resolve(HubLayout.manifestFile(id.name(), v.get()) + ".sig");
            Optional<byte[]> sig = Files.exists(sigFile) ? Optional.of(Files.readAllBytes(sigFile)) : Optional.empty();
            String how = trust.offlineTrust(id, v.get(), bytes, sha, sig, origin.isEmpty() ? "" : origin.get(0));
            if (locked.isPresent() && !locked.get().manifestSha256().equals(sha)) {
                throw new TrustException("the cached manifest of " + id.kernel() + " " + v.get()
                        + " differs from the lockfile's; run kernelhub download --lock FILE while online");
            }
            return new Resolution(id, m, sha, "cache (offline" + (origin.isEmpty() ? "" : ", from " + origin.get(0)) + ")",
                    how, select(m), List.of());
        } catch (IOException e) {
            throw new HubException("cannot read the cached manifest in " + dir + ": " + e, e);
        }
    }

    /** Downloads (or finds in the cache) the chosen variant. */
    public Installed install(Resolution r) {
        return install(r, r.selection().chosen().orElseThrow(() -> new HubException(noVariantMessage(r))));
    }

    /** Downloads (or finds in the cache) one variant of a resolved version (e.g. the CPU fallback). */
    public Installed install(Resolution r, VariantEntry v) {
        KernelManifest m = r.manifest();
        if (lock != null) {
            lock.entry(m.id()).ifPresent(e -> {
                String want = e.variants().get(v.name());
                if (want != null && !want.equals(v.sha256())) {
                    throw new TrustException("the archive digest of " + m.id() + " " + m.version() + " " + v.name()
                            + " differs from the lockfile's (" + v.sha256() + " vs " + want + "); refusing it");
                }
            });
        }
        String what = m.id() + " " + m.version() + " " + v.name();
        Optional<CacheEntry> hit = cache.lookup(v.sha256());
        if (hit.isPresent() && Files.isRegularFile(hit.get().file(v.library()))) {
            return new Installed(r, v, hit.get());
        }
        if (hit.isPresent()) {
            cache.evict(v.sha256()); // an entry without its library is damaged: set it aside and install afresh
        }
        if (settings.offline()) {
            throw new HubException("cannot load " + what + " offline: its archive (sha256 " + v.sha256()
                    + ") is not in the cache. Run kernelhub download " + m.id() + "@" + m.version() + " while online.");
        }
        HubSource hub = HubSource.of(r.hub(), settings.retry());
        String path = HubLayout.versionDir(m.org(), m.name(), m.version()) + v.archive();
        CacheEntry e = cache.install(v.sha256(), v.size(), what + " from " + r.hub(),
                partial -> hub.download(path, partial, v.size(), listener));
        List<String> refused = io.kernelhub.hub.check.LibraryPolicy.checkInstalled(e.dir(), v.library()); // nothing loaded yet
        if (!refused.isEmpty()) {
            cache.evict(v.sha256());
            throw new TrustException("refusing " + what + " from " + r.hub() + ": its library would load code from outside "
                    + "the bundle:\n  " + String.join("\n  ", refused) + "\nIt was removed from the cache and "
                    + "nothing of it was loaded. Report it to its publisher (kernelhub check shows the same).");
        }
        if (!Files.isRegularFile(e.file(v.library()))) {
            cache.evict(v.sha256());
            throw new HubException("the archive of " + what + " does not contain its library " + v.library()
                    + "; the bundle is broken. Report it to its publisher.");
        }
        return new Installed(r, v, e);
    }

    static String noVariantMessage(Resolution r) {
        StringBuilder b = new StringBuilder("no variant of " + r.manifest().id() + " " + r.manifest().version()
                + " fits this machine:");
        for (Selection.Rejection x : r.selection().rejected()) {
            b.append("\n  ").append(x.variant()).append(": ").append(x.reason());
        }
        b.append("\nAsk the publisher for a build for this machine, or build it yourself: kernelhub build DIR, then set "
                + "KERNELHUB_LOCAL_KERNELS=").append(r.manifest().id()).append("=DIR/build");
        return b.toString();
    }
}
