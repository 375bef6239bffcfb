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
import io.kernelhub.hub.trust.ManifestSignature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Resolves hub ids to versions and variants, and installs the chosen variant into the cache:
 * hubs tried in order, one metadata and one manifest request per hub, one request per archive,
 * trust checked before anything is downloaded, the archive's digest checked while it streams.
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

    /**
     * @param machine    the machine to select for (a supplier: the CUDA probe runs only when needed)
     * @param abiVersion the ABI version the host implements
     */
    public HubClient(HubSettings settings, Supplier<MachineProfile> machine, int abiVersion, TransferListener listener) {
        this.settings = settings;
        this.cache = new KernelCache(settings.cacheDir());
        this.keys = new KeyRing(settings.keysDir());
        this.machine = machine;
        this.abiVersion = abiVersion;
        this.listener = listener;
        this.lock = settings.lockfile() == null ? null : Lockfile.read(settings.lockfile());
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
        if (locked.isPresent() && !spec.matches(locked.get().version())) {
            throw new HubException("the lockfile " + settings.lockfile() + " pins " + kernel.kernel() + " at "
                    + locked.get().version() + ", which does not satisfy '" + id.versionSpec() + "'. Update the lock: "
                    + "kernelhub lock " + id + " --out " + settings.lockfile());
        }
        if (settings.offline()) {
            return resolveOffline(id, spec, locked);
        }
        List<String> notes = new ArrayList<>();
        for (String url : settings.hubs()) {
            HubSource hub;
            try {
                hub = HubSource.of(url, settings.retry());
            } catch (HubException e) {
                notes.add(url + ": " + e.getMessage());
                continue;
            }
            try {
                Optional<Resolution> r = resolveAt(hub, id, spec, locked, notes);
                if (r.isPresent()) {
                    return r.get();
                }
            } catch (ManifestException e) {
                throw new HubException("hub " + url + " serves a malformed file for " + kernel.kernel() + ": " + e.getMessage()
                        + ". Nothing was cached; report it to the hub's owner.", e);
            } catch (HubException e) {
                if (isTrustFailure(e)) {
                    throw e; // a bad signature is an attack or a mistake: never fall through to another hub silently
                }
                notes.add(url + ": " + e.getMessage());
            }
        }
        throw new HubException("cannot resolve " + id + ": no hub has a matching version.\n  "
                + String.join("\n  ", notes) + "\nCheck the id and version spec (kernelhub resolve " + id.kernel()
                + " lists what exists), or add a hub with KERNELHUB_HUB=URL[,URL...].");
    }

    private static boolean isTrustFailure(HubException e) {
        return e instanceof TrustException;
    }

    /** Trust failures stop resolution (they are not "this hub lacks the kernel"). */
    public static final class TrustException extends HubException {
        private static final long serialVersionUID = 1L;

        public TrustException(String message) {
            super(message);
        }
    }

    private Optional<Resolution> resolveAt(HubSource hub, HubKernelId id, VersionSpec spec, Optional<Lockfile.Entry> locked,
            List<String> notes) {
        Version version;
        if (locked.isPresent()) {
            version = locked.get().version();
        } else {
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
            version = best.get();
        }
        Optional<byte[]> mbytes = hub.fetch(HubLayout.manifest(id.org(), id.name(), version), ManifestCodec.MAX_BYTES);
        if (mbytes.isEmpty()) {
            notes.add(hub.uri() + ": lists " + id.kernel() + " " + version + " but has no manifest for it");
            return Optional.empty();
        }
        byte[] bytes = mbytes.get();
        String sha = Digests.sha256(bytes);
        KernelManifest m = ManifestCodec.parse(bytes);
        if (!m.id().equals(id.kernel()) || !m.version().equals(version)) {
            throw new TrustException("hub " + hub.uri() + " answered the manifest of " + id.kernel() + " " + version
                    + " with one for " + m.id() + " " + m.version() + "; refusing it");
        }
        if (locked.isPresent() && !locked.get().manifestSha256().equals(sha)) {
            throw new TrustException("the manifest of " + id.kernel() + " " + version + " at " + hub.uri()
                    + " differs from the one the lockfile pins (sha256 " + sha + ", locked "
                    + locked.get().manifestSha256() + "). Published versions never change: this hub serves different "
                    + "content. Refusing it.");
        }
        Optional<byte[]> sig = hub.fetch(HubLayout.signature(id.org(), id.name(), version), ManifestSignature.MAX_BYTES);
        String trust = checkTrust(hub, id, version, bytes, sig);
        storeManifest(m, bytes, sig, hub.uri().toString(), trust);
        return Optional.of(new Resolution(id, m, sha, hub.uri().toString(), trust, select(m), notes));
    }

    private String checkTrust(HubSource hub, HubKernelId id, Version version, byte[] manifest, Optional<byte[]> sig) {
        String what = "the manifest of " + id.kernel() + " " + version + " from " + hub.uri();
        boolean local = hub instanceof FileHubSource f && f.root().toAbsolutePath().normalize().equals(settings.localHub());
        if (sig.isPresent()) {
            try {
                return "signed by key " + keys.verify(manifest, ManifestSignature.parse(sig.get()), what, id.org());
            } catch (HubException e) {
                if (local && e.getMessage().contains("not among the trusted keys")) {
                    return "local hub (signed by a key not trusted here)";
                }
                throw new TrustException(e.getMessage());
            }
        }
        if (local) {
            return "local hub (unsigned; trusted because it is this machine's own hub)";
        }
        if (settings.allowUnsigned()) {
            LOG.log(System.Logger.Level.WARNING, "accepting UNSIGNED " + what + " because "
                    + HubSettings.ALLOW_UNSIGNED + " is set");
            return "unsigned (accepted: " + HubSettings.ALLOW_UNSIGNED + "=1)";
        }
        throw new TrustException(what + " is not signed, and remote manifests need a valid signature from a trusted key. "
                + "Ask the publisher to sign it (kernelhub keygen, then publish), or, if you accept the risk, set "
                + HubSettings.ALLOW_UNSIGNED + "=1.");
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
        Optional<Version> v = locked.map(Lockfile.Entry::version).filter(have::contains).or(() -> spec.best(have));
        if (v.isEmpty()) {
            throw new HubException("cannot resolve " + id + " offline (" + HubSettings.OFFLINE + "=1): the cache has "
                    + (have.isEmpty() ? "no version of " + id.kernel() : "versions " + have + ", none matching") + ". Run "
                    + "kernelhub download " + id + " while online, or unset " + HubSettings.OFFLINE + ".");
        }
        Path dir = base.resolve(v.get().toString());
        try {
            byte[] bytes = Files.readAllBytes(dir.resolve(HubLayout.manifestFile(id.name(), v.get())));
            List<String> origin = Files.exists(dir.resolve("origin.txt")) ? Files.readAllLines(dir.resolve("origin.txt")) : List.of();
            KernelManifest m = ManifestCodec.parse(bytes);
            String sha = Digests.sha256(bytes);
            String trust = offlineTrust(id, v.get(), bytes, dir, origin);
            if (locked.isPresent() && !locked.get().manifestSha256().equals(sha)) {
                throw new TrustException("the cached manifest of " + id.kernel() + " " + v.get()
                        + " differs from the lockfile's; run kernelhub download --lock FILE while online");
            }
            return new Resolution(id, m, sha, "cache (offline" + (origin.isEmpty() ? "" : ", from " + origin.get(0)) + ")",
                    trust, select(m), List.of());
        } catch (IOException e) {
            throw new HubException("cannot read the cached manifest in " + dir + ": " + e, e);
        }
    }

    /**
     * The trust policy applies offline too, against today's keys and settings: a cached signature
     * is verified again (a key removed from trusted/ no longer counts), and an unsigned manifest
     * from a remote hub needs KERNELHUB_ALLOW_UNSIGNED now, not only when it was cached.
     */
    private String offlineTrust(HubKernelId id, Version v, byte[] manifest, Path dir, List<String> origin) throws IOException {
        String what = "the cached manifest of " + id.kernel() + " " + v;
        Path sig = dir.resolve(HubLayout.manifestFile(id.name(), v) + ".sig");
        String hub = origin.isEmpty() ? "" : origin.get(0);
        boolean local = hub.equals(settings.localHub().toUri().toString());
        if (Files.exists(sig)) {
            try {
                return "signed by key " + keys.verify(manifest, ManifestSignature.parse(Files.readAllBytes(sig)), what, id.org())
                        + " (cached)";
            } catch (HubException e) {
                if (!local) throw new TrustException(e.getMessage());
            }
        }
        if (local) {
            return "local hub (cached)";
        }
        if (settings.allowUnsigned()) {
            LOG.log(System.Logger.Level.WARNING, "accepting UNSIGNED " + what + " because " + HubSettings.ALLOW_UNSIGNED
                    + " is set");
            return "unsigned (accepted: " + HubSettings.ALLOW_UNSIGNED + "=1, cached)";
        }
        throw new TrustException(what + " (from " + hub + ") is not signed; remote manifests need a valid signature from a "
                + "trusted key, offline too. Set " + HubSettings.ALLOW_UNSIGNED + "=1 if you accept the risk.");
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
