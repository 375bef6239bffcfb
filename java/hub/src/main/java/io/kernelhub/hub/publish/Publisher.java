package io.kernelhub.hub.publish;

import io.kernelhub.hub.Digests;
import io.kernelhub.hub.HubException;
import io.kernelhub.hub.HubFiles;
import io.kernelhub.hub.cache.ArchiveLimits;
import io.kernelhub.hub.cache.SafeExtractor;
import io.kernelhub.hub.check.BundleChecker;
import io.kernelhub.hub.manifest.HubLayout;
import io.kernelhub.hub.manifest.KernelManifest;
import io.kernelhub.hub.manifest.ManifestCodec;
import io.kernelhub.hub.manifest.MavenMetadata;
import io.kernelhub.hub.manifest.VariantEntry;
import io.kernelhub.hub.pack.BundlePacker;
import io.kernelhub.hub.trust.KeyRing;
import io.kernelhub.hub.trust.ManifestSignature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Publishes a kernel version to a hub. Every variant's archive is unpacked and must pass
 * {@code kernelhub check} ({@link BundleChecker}, including {@link io.kernelhub.hub.check.LibraryPolicy}:
 * nothing outside the bundle may be loaded with it); a failing bundle is refused before anything
 * is uploaded or signed. Then archives and their {@code .sha256} first, then the
 * manifest and its signature (when a signing key exists), {@code maven-metadata.xml} (for Maven clients),
 * and the kernel's signed index last, so a version is never listed before all its files are there. Published versions are
 * immutable: the same variants with the same digests again is a no-op; anything else under an
 * existing version is refused.
 */
public final class Publisher {

    private final KeyRing keys;
    private final IndexPublisher index;

    public Publisher(KeyRing keys) {
        this(keys, IndexPublisher.DEFAULT_LIFETIME);
    }

    /** @param indexLifetime how long the kernel's re-signed index stays valid */
    public Publisher(KeyRing keys, java.time.Duration indexLifetime) {
        this.keys = keys;
        this.index = new IndexPublisher(keys, indexLifetime);
    }

    /** What publishing did. */
    public record Outcome(KernelManifest manifest, String hub, boolean alreadyPublished, String signedBy) {}

    /**
     * Packs {@code dir} (a kernel's source directory, meaning its {@code build/}, or a build
     * directory) into a staging directory and publishes it.
     */
    public Outcome publish(Path dir, HubTarget hub, Path staging) {
        BundlePacker.Packed packed = BundlePacker.pack(dir, staging);
        return publishPacked(packed, hub);
    }

    /** A bundle failed {@code kernelhub check}: nothing was signed or uploaded. */
    public static final class RefusedException extends HubException {
        private static final long serialVersionUID = 1L;

        private final transient List<BundleChecker.Report> reports;

        RefusedException(KernelManifest m, List<BundleChecker.Report> reports) {
            super(message(m, reports));
            this.reports = List.copyOf(reports);
        }

        /** The failing variants' reports. */
        public List<BundleChecker.Report> reports() {
            return reports;
        }

        private static String message(KernelManifest m, List<BundleChecker.Report> reports) {
            StringBuilder b = new StringBuilder("refusing to publish " + m.id() + " " + m.version() + ": kernelhub check fails");
            for (BundleChecker.Report r : reports) {
                b.append("\n  ").append(r.variant()).append(':');
                for (BundleChecker.Finding f : r.findings()) {
                    if (!f.ok()) {
                        b.append("\n    ").append(f.check()).append(": ").append(f.detail());
                    }
                }
            }
            return b.append("\nNothing was published. Fix the build, then run kernelhub check DIR before publishing.")
                    .toString();
        }
    }

    public Outcome publishPacked(BundlePacker.Packed packed, HubTarget hub) {
        requireCheckPasses(packed); // the archives' own bytes: exactly what would be uploaded
        // the existence check and every upload under one lock: two publishers of one version cannot interleave files
        Outcome[] out = new Outcome[1];
        hub.withKernelLock(packed.manifest().org(), packed.manifest().name(), () -> out[0] = publishLocked(packed, hub));
        return out[0];
    }

    private Outcome publishLocked(BundlePacker.Packed packed, HubTarget hub) {
        KernelManifest m = packed.manifest();
        String mpath = HubLayout.manifest(m.org(), m.name(), m.version());
        Optional<byte[]> existing = hub.get(mpath);
        if (existing.isPresent()) {
            KernelManifest old = ManifestCodec.parse(existing.get());
            if (digests(old).equals(digests(m))) {
                ensureListed(hub, m);
                index.addVersion(hub, m.org(), m.name(), m.version(), Digests.sha256(existing.get()));
                return new Outcome(old, hub.uri().toString(), true, null);
            }
            throw new HubException(m.id() + " " + m.version() + " is already published at " + hub.uri()
                    + " with different content (variants " + digests(old).keySet() + " vs " + digests(m).keySet()
                    + ", or different archive digests). Published versions never change: bump the version in the "
                    + "kernel's CMakeLists.txt and rebuild.");
        }
        String dirPath = HubLayout.versionDir(m.org(), m.name(), m.version());
        byte[] mbytes;
        try {
            mbytes = Files.readAllBytes(packed.manifestFile());
        } catch (IOException e) {
            throw new HubException("cannot read " + packed.manifestFile() + ": " + e, e);
        }
        Optional<ManifestSignature> sig = keys.sign(mbytes); // before any upload: a signing failure leaves nothing
        for (VariantEntry v : m.variants()) {
            hub.put(dirPath + v.archive(), packed.versionDir().resolve(v.archive()));
            hub.put(dirPath + v.archive() + ".sha256", packed.versionDir().resolve(v.archive() + ".sha256"));
        }
        if (sig.isPresent()) {
            hub.put(dirPath + m.fileName() + ".sig", sig.get().write());
        }
        hub.put(mpath, mbytes);
        ensureListed(hub, m);
        index.addVersion(hub, m.org(), m.name(), m.version(), Digests.sha256(mbytes)); // last: the signed list clients trust
        return new Outcome(m, hub.uri().toString(), false, sig.map(ManifestSignature::keyId).orElse(null));
    }

    /** Unpacks each variant's archive and runs kernelhub check on it; throws when any variant fails. */
    private static void requireCheckPasses(BundlePacker.Packed packed) {
        List<BundleChecker.Report> failed = new ArrayList<>();
        for (VariantEntry v : packed.manifest().variants()) {
            Path tmp = null;
            try {
                tmp = Files.createTempDirectory("kernelhub-publish-check");
                SafeExtractor.extract(packed.versionDir().resolve(v.archive()), tmp, ArchiveLimits.DEFAULT);
                BundleChecker.Report r = BundleChecker.check(tmp);
                if (!r.ok()) {
                    failed.add(r);
                }
            } catch (IOException e) {
                throw new HubException("cannot check " + v.archive() + " before publishing: " + e, e);
            } finally {
                if (tmp != null) {
                    try {
                        HubFiles.deleteTree(tmp);
                    } catch (IOException ignored) {
                        // a temporary directory left behind is not worth hiding the outcome
                    }
                }
            }
        }
        if (!failed.isEmpty()) {
            throw new RefusedException(packed.manifest(), failed);
        }
    }

    /** Adds the version to maven-metadata.xml (under the caller's lock; HTTP hubs merge on the server). */
    private static void ensureListed(HubTarget hub, KernelManifest m) {
        String path = HubLayout.metadata(m.org(), m.name());
        MavenMetadata md = hub.get(path).map(MavenMetadata::parse).orElse(new MavenMetadata(m.org(), m.name(), List.of()));
        if (!md.versions().contains(m.version())) {
            hub.put(path, md.with(m.version()).write());
        }
    }

    private static Map<String, String> digests(KernelManifest m) {
        return m.variants().stream().collect(Collectors.toMap(VariantEntry::name, VariantEntry::sha256));
    }
}
