package io.kernelhub.hub.lock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.core.version.Version;
import io.kernelhub.hub.HubException;
import io.kernelhub.hub.HubFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code kernels.lock}: exact versions and digests of the kernels an application uses, so every
 * machine and every run loads the same bytes. Resolution with a lockfile takes the locked
 * version, checks the manifest's SHA-256, and accepts only the locked archive digests.
 *
 * @param entries the locked kernels by id ({@code org/name})
 */
public record Lockfile(Map<String, Entry> entries) {

    public static final String DEFAULT_NAME = "kernels.lock";
    private static final ObjectMapper JSON = new ObjectMapper();

    public Lockfile {
        entries = java.util.Collections.unmodifiableMap(new TreeMap<>(entries));
    }

    /**
     * One locked kernel.
     *
     * @param id             {@code org/name}
     * @param version        the exact version
     * @param hub            the hub it was resolved from (informative: any hub with the same bytes serves)
     * @param manifestSha256 SHA-256 of the version manifest
     * @param variants       every variant's archive SHA-256 by variant name (so any machine can use the lock)
     */
    public record Entry(String id, Version version, String hub, String manifestSha256, Map<String, String> variants) {
        public Entry {
            variants = java.util.Collections.unmodifiableMap(new TreeMap<>(variants));
        }
    }

    public Optional<Entry> entry(String id) {
        return Optional.ofNullable(entries.get(id));
    }

    public Lockfile with(Entry e) {
        Map<String, Entry> m = new LinkedHashMap<>(entries);
        m.put(e.id(), e);
        return new Lockfile(m);
    }

    public static Lockfile read(Path file) {
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(file));
            if (n == null || n.path("schema").asInt(-1) != 1 || !n.path("kernels").isArray()) {
                throw new HubException("lockfile " + file + " is not a kernelhub lockfile (schema 1 with a 'kernels' array)");
            }
            Map<String, Entry> m = new LinkedHashMap<>();
            for (JsonNode k : n.path("kernels")) {
                Map<String, String> vs = new LinkedHashMap<>();
                k.path("variants").properties().forEach(p -> vs.put(p.getKey(), p.getValue().asText()));
                Entry e = new Entry(k.path("id").asText(), Version.parse(k.path("version").asText()), k.path("hub").asText(null),
                        k.path("manifest_sha256").asText(), vs);
                m.put(e.id(), e);
            }
            return new Lockfile(m);
        } catch (IOException e) {
            throw new HubException("cannot read lockfile " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new HubException("lockfile " + file + " is malformed: " + e.getMessage(), e);
        }
    }

    public void write(Path file) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema", 1);
        var arr = root.putArray("kernels");
        for (Entry e : entries.values()) {
            ObjectNode k = arr.addObject();
            k.put("id", e.id());
            k.put("version", e.version().toString());
            k.put("hub", e.hub());
            k.put("manifest_sha256", e.manifestSha256());
            ObjectNode vs = k.putObject("variants");
            e.variants().forEach(vs::put);
        }
        try {
            Path abs = file.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            HubFiles.writeAtomically(abs, (root.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new HubException("cannot write lockfile " + file + ": " + e.getMessage(), e);
        }
    }

    public static Lockfile empty() {
        return new Lockfile(Map.of());
    }

    public List<String> ids() {
        return new ArrayList<>(entries.keySet());
    }
}
