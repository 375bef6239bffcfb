package io.kernelhub.hub;

import com.fasterxml.jackson.databind.JsonNode;
import io.kernelhub.core.version.Version;
import io.kernelhub.hub.manifest.KernelManifest;
import io.kernelhub.hub.manifest.ManifestCodec;
import io.kernelhub.hub.manifest.Requirements;
import io.kernelhub.hub.manifest.VariantEntry;
import io.kernelhub.hub.pack.BundlePacker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A local build directory seen as a manifest (no archives), so local kernels go through the
 * same variant selection as hub downloads.
 *
 * @param manifest  the variants with their requirements (archive fields describe kernel.json)
 * @param libraries each variant's library
 */
record LocalBuild(KernelManifest manifest, Map<String, Path> libraries) {

    Path library(String variant) {
        return libraries.get(variant);
    }

    /** The build's variants, or null when it has none or they cannot be read. */
    static LocalBuild read(Path dir) {
        List<Path> dirs = BundlePacker.findVariants(dir);
        if (dirs.isEmpty()) return null;
        List<VariantEntry> variants = new ArrayList<>();
        Map<String, Path> libs = new LinkedHashMap<>();
        String id = null;
        Version version = null;
        try {
            for (Path vd : dirs) {
                byte[] bytes = Files.readAllBytes(vd.resolve("kernel.json"));
                JsonNode m = ManifestCodec.readTree(bytes, vd.resolve("kernel.json").toString());
                id = m.path("id").asText();
                version = Version.parse(m.path("version").asText());
                JsonNode r = m.path("requirements");
                Requirements req = Requirements.fromKernelJson(r);
                String name = m.path("variant").asText();
                String library = m.path("library").asText();
                variants.add(new VariantEntry(name, "kernel.json", Digests.sha256(bytes), bytes.length, library,
                        m.path("abi_version").asInt(-1), req, m.toString()));
                libs.put(name, vd.resolve(library).toAbsolutePath());
            }
            return new LocalBuild(new KernelManifest(id, version, null, null, null, null, variants), libs);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
