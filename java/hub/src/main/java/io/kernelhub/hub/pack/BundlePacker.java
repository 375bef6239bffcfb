package io.kernelhub.hub.pack;

import com.fasterxml.jackson.databind.JsonNode;
import io.kernelhub.core.version.Version;
import io.kernelhub.hub.Digests;
import io.kernelhub.hub.HubFiles;
import io.kernelhub.hub.HubException;
import io.kernelhub.hub.manifest.HubLayout;
import io.kernelhub.hub.manifest.KernelManifest;
import io.kernelhub.hub.manifest.ManifestCodec;
import io.kernelhub.hub.manifest.ManifestException;
import io.kernelhub.hub.manifest.Requirements;
import io.kernelhub.hub.manifest.VariantEntry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Turns a kernel's build directory ({@code <variant>/kernel.json} + library per variant, as
 * {@code kernelhub build} leaves it) into a hub version directory: one {@code .tar.gz} per
 * variant with its {@code .sha256}, and the version manifest listing them all.
 *
 * <p>Archives are reproducible: entries sorted, fixed timestamps, owner 0, modes 0644/0755, so
 * packing the same build twice gives the same bytes (and publishing it again is a no-op).
 */
public final class BundlePacker {

    /** Tar entry time of every file (2000-01-01): archives depend only on their contents. */
    private static final long FIXED_MTIME_MS = 946_684_800_000L;

    private BundlePacker() {}

    /** The result: the version directory written and the manifest it holds. */
    public record Packed(Path versionDir, Path manifestFile, KernelManifest manifest) {}

    /**
     * Packs every variant found under {@code buildDir} (or {@code buildDir/build}) into
     * {@code outRoot/<org>/<name>/<version>/}.
     */
    public static Packed pack(Path buildDir, Path outRoot) {
        List<Path> variantDirs = findVariants(buildDir);
        if (variantDirs.isEmpty()) {
            throw new HubException("nothing to pack in " + buildDir + ": no <variant>/kernel.json under it or under "
                    + buildDir.resolve("build") + ". Build the kernel first: kernelhub build " + buildDir);
        }
        String id = null, sources = null, license = null, description = null;
        Version version = null;
        List<JsonNode> metas = new ArrayList<>();
        for (Path vd : variantDirs) {
            JsonNode meta = readKernelJson(vd.resolve("kernel.json"));
            String vid = req(meta, "id", vd), vver = req(meta, "version", vd);
            if (id == null) {
                id = vid;
                version = parseVersion(vver, vd);
                license = meta.path("license").asText(null);
                description = meta.path("description").asText(null);
            } else if (!id.equals(vid) || !version.equals(parseVersion(vver, vd))) {
                throw new HubException("cannot pack " + buildDir + ": its variants disagree on the kernel (" + id + " "
                        + version + " vs " + vid + " " + vver + " in " + vd + "). Rebuild from one source tree.");
            }
            metas.add(meta);
        }
        // each variant records the digest of its own sources (CPU and CUDA variants compile different files);
        // the version's digest covers them all
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < metas.size(); i++) {
            lines.append(metas.get(i).path("variant").asText()).append(' ')
                    .append(metas.get(i).path("build").path("sources_sha256").asText("-")).append('\n');
        }
        sources = Digests.sha256(lines.toString().getBytes(StandardCharsets.UTF_8));
        String org = id.substring(0, id.indexOf('/')), name = id.substring(id.indexOf('/') + 1);
        Path versionDir = outRoot.resolve(HubLayout.versionDir(org, name, version));
        try {
            Files.createDirectories(versionDir);
            List<VariantEntry> entries = new ArrayList<>();
            for (int i = 0; i < variantDirs.size(); i++) {
                entries.add(packVariant(variantDirs.get(i), metas.get(i), name, version, versionDir));
            }
            KernelManifest m = new KernelManifest(id, version, license, description,
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), sources, entries);
            Path mf = versionDir.resolve(m.fileName());
            HubFiles.writeAtomically(mf, ManifestCodec.write(m));
            return new Packed(versionDir, mf, m);
        } catch (IOException e) {
            throw new HubException("cannot pack " + buildDir + " into " + versionDir + ": " + e, e);
        }
    }

    private static VariantEntry packVariant(Path vd, JsonNode meta, String name, Version version, Path versionDir)
            throws IOException {
        String variant = req(meta, "variant", vd);
        String library = req(meta, "library", vd);
        if (!Files.isRegularFile(vd.resolve(library), LinkOption.NOFOLLOW_LINKS)) {
            throw new HubException("variant " + variant + " in " + vd + ": its library " + library
                    + " is missing. Rebuild it: kernelhub build");
        }
        String archiveName = HubLayout.archiveFile(name, version, variant);
        Path archive = versionDir.resolve(archiveName);
        HubFiles.writeAtomically(archive, out -> writeArchive(vd, out));
        String sha = Digests.sha256(archive);
        HubFiles.writeAtomically(versionDir.resolve(archiveName + ".sha256"),
                (sha + "  " + archiveName + "\n").getBytes(StandardCharsets.US_ASCII));
        JsonNode r = meta.path("requirements");
        Requirements req = Requirements.fromKernelJson(r);
        try {
            return new VariantEntry(variant, archiveName, sha, Files.size(archive), library,
                    meta.path("abi_version").asInt(-1), req, meta.toString());
        } catch (ManifestException e) {
            throw new HubException("variant in " + vd + ": " + e.getMessage(), e);
        }
    }

    /** The regular files directly in the variant directory, sorted, as a reproducible tar.gz. */
    static void writeArchive(Path variantDir, OutputStream out) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(variantDir)) {
            files = s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
        GzipParameters gz = new GzipParameters();
        gz.setModificationTime(0);
        try (GzipCompressorOutputStream gzOut = new GzipCompressorOutputStream(out, gz);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gzOut)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Path f : files) {
                TarArchiveEntry e = new TarArchiveEntry(f.getFileName().toString());
                e.setSize(Files.size(f));
                e.setModTime(FIXED_MTIME_MS);
                e.setMode(f.getFileName().toString().endsWith(".json") ? 0100644 : 0100755);
                e.setUserId(0);
                e.setGroupId(0);
                e.setUserName("");
                e.setGroupName("");
                tar.putArchiveEntry(e);
                Files.copy(f, tar);
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
    }

    /** Variant directories: buildDir itself, or its (or buildDir/build's) subdirectories holding kernel.json. */
    public static List<Path> findVariants(Path buildDir) {
        List<Path> found = new ArrayList<>();
        for (Path base : new Path[] {buildDir, buildDir.resolve("build")}) {
            if (Files.isRegularFile(base.resolve("kernel.json"))) {
                found.add(base);
                continue;
            }
            if (!Files.isDirectory(base)) continue;
            try (Stream<Path> s = Files.list(base)) {
                s.filter(p -> Files.isRegularFile(p.resolve("kernel.json"))).sorted().forEach(found::add);
            } catch (IOException e) {
                throw new HubException("cannot list " + base + ": " + e, e);
            }
            if (!found.isEmpty()) break;
        }
        return found;
    }

    private static JsonNode readKernelJson(Path f) {
        try {
            return ManifestCodec.readTree(Files.readAllBytes(f), f.toString());
        } catch (IOException e) {
            throw new HubException("cannot read " + f + ": " + e, e);
        }
    }

    private static String req(JsonNode meta, String field, Path where) {
        String v = meta.path(field).asText(null);
        if (v == null || v.isEmpty()) {
            throw new HubException(where.resolve("kernel.json") + " has no '" + field + "'. Rebuild with kernelhub build.");
        }
        return v;
    }

    private static Version parseVersion(String v, Path where) {
        try {
            return Version.parse(v);
        } catch (IllegalArgumentException e) {
            throw new HubException(where.resolve("kernel.json") + ": " + e.getMessage());
        }
    }
}
