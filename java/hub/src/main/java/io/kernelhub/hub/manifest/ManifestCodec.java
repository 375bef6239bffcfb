package io.kernelhub.hub.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.core.version.Version;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes version manifests. Reading is strict and total: any input either becomes a
 * valid {@link KernelManifest} or raises {@link ManifestException} naming the problem (never
 * another exception), so a hostile hub cannot crash a client with a crafted manifest.
 */
public final class ManifestCodec {

    /** Manifests larger than this are refused before parsing. */
    public static final int MAX_BYTES = 4 << 20;

    /** databind, loaded only when writing (packing) or reading a build's kernel.json; parse() streams (JsonValues) */
    private static final class Databind {
        static final ObjectMapper JSON = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .build();
    }

    private ManifestCodec() {}

    public static KernelManifest parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new ManifestException("empty manifest");
        }
        if (bytes.length > MAX_BYTES) {
            throw new ManifestException("manifest is " + bytes.length + " bytes, over the " + MAX_BYTES + "-byte limit");
        }
        Object root;
        try {
            root = JsonValues.parse(bytes);
        } catch (IOException | RuntimeException e) { // RuntimeException: Jackson's constraint violations
            throw new ManifestException("manifest is not valid JSON: " + firstLine(e));
        }
        try {
            return fromTree(root);
        } catch (ManifestException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ManifestException("bad manifest: " + e.getMessage());
        }
    }

    private static KernelManifest fromTree(Object tree) {
        if (!(tree instanceof Map<?, ?> root)) {
            throw new ManifestException("manifest must be a JSON object");
        }
        int schema = integer(root, "schema", "manifest");
        if (schema != KernelManifest.SCHEMA) {
            throw new ManifestException("manifest schema " + schema + " is not supported (this kernelhub reads schema "
                    + KernelManifest.SCHEMA + "); upgrade kernelhub");
        }
        String id = text(root, "id", "manifest", true);
        Version version;
        try {
            version = Version.parse(text(root, "version", "manifest", true));
        } catch (IllegalArgumentException e) {
            throw new ManifestException("manifest: " + e.getMessage());
        }
        if (!(root.get("variants") instanceof List<?> vs)) {
            throw new ManifestException("manifest: 'variants' must be an array");
        }
        List<VariantEntry> variants = new ArrayList<>();
        for (Object v : vs) {
            variants.add(variant(v));
        }
        return new KernelManifest(id, version, text(root, "license", "manifest", false),
                text(root, "description", "manifest", false), text(root, "created", "manifest", false),
                text(root, "sources_sha256", "manifest", false), variants);
    }

    private static VariantEntry variant(Object o) {
        if (!(o instanceof Map<?, ?> v)) {
            throw new ManifestException("manifest: each variant must be an object");
        }
        String name = text(v, "name", "variant", true);
        String where = "variant " + name;
        if (!(v.get("size") instanceof Long size)) {
            throw new ManifestException(where + ": 'size' must be an integer");
        }
        if (!(v.get("requirements") instanceof Map<?, ?> r)) {
            throw new ManifestException(where + ": 'requirements' must be an object");
        }
        Object meta = v.get("metadata");
        if (meta != null && !(meta instanceof Map)) {
            throw new ManifestException(where + ": 'metadata' must be an object");
        }
        Requirements req = new Requirements(text(r, "glibc_max", where, false), strings(r, "cpu_isa", where),
                strings(r, "cpu_isa_dispatch", where), text(r, "cuda_toolkit", where, false),
                text(r, "min_driver", where, false), strings(r, "sass", where), strings(r, "ptx", where));
        return new VariantEntry(name, text(v, "archive", where, true), text(v, "sha256", where, true), size,
                text(v, "library", where, true), integer(v, "abi_version", where), req,
                meta == null ? "{}" : JsonValues.write(meta));
    }

    /** The manifest as pretty-printed UTF-8 JSON with a fixed field order (byte-stable for the same input). */
    public static byte[] write(KernelManifest m) {
        ObjectNode root = Databind.JSON.createObjectNode();
        root.put("schema", KernelManifest.SCHEMA);
        root.put("id", m.id());
        root.put("version", m.version().toString());
        root.put("license", m.license());
        root.put("description", m.description());
        root.put("created", m.created());
        root.put("sources_sha256", m.sourcesSha256());
        ArrayNode vs = root.putArray("variants");
        for (VariantEntry v : m.variants()) {
            ObjectNode o = vs.addObject();
            o.put("name", v.name());
            o.put("archive", v.archive());
            o.put("sha256", v.sha256());
            o.put("size", v.size());
            o.put("library", v.library());
            o.put("abi_version", v.abiVersion());
            ObjectNode r = o.putObject("requirements");
            Requirements q = v.requirements();
            r.put("glibc_max", q.glibcMax());
            q.cpuIsa().forEach(r.putArray("cpu_isa")::add);
            q.cpuIsaDispatch().forEach(r.putArray("cpu_isa_dispatch")::add);
            r.put("cuda_toolkit", q.cudaToolkit());
            r.put("min_driver", q.minDriver());
            q.sass().forEach(r.putArray("sass")::add);
            q.ptx().forEach(r.putArray("ptx")::add);
            try {
                o.set("metadata", Databind.JSON.readTree(v.metadata()));
            } catch (IOException e) {
                throw new IllegalStateException("variant " + v.name() + ": metadata is not JSON", e);
            }
        }
        try {
            return (Databind.JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a build's kernel.json (what cmake wrote) as a tree; ManifestException when it is not valid Databind.JSON. */
    public static JsonNode readTree(byte[] bytes, String what) {
        try {
            JsonNode n = Databind.JSON.readTree(bytes);
            if (n == null || !n.isObject()) {
                throw new ManifestException(what + " must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new ManifestException(what + " is not valid JSON: " + firstLine(e));
        }
    }

    static String text(Map<?, ?> n, String field, String where, boolean required) {
        Object v = n.get(field);
        if (v == null) {
            if (required) {
                throw new ManifestException(where + ": '" + field + "' is missing");
            }
            return null;
        }
        if (!(v instanceof String s)) {
            throw new ManifestException(where + ": '" + field + "' must be a string");
        }
        return s;
    }

    static int integer(Map<?, ?> n, String field, String where) {
        if (!(n.get(field) instanceof Long v) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new ManifestException(where + ": '" + field + "' must be an integer");
        }
        return v.intValue();
    }

    static List<String> strings(Map<?, ?> n, String field, String where) {
        Object v = n.get(field);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new ManifestException(where + ": '" + field + "' must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object e : l) {
            if (!(e instanceof String s)) {
                throw new ManifestException(where + ": '" + field + "' must be an array of strings");
            }
            out.add(s);
        }
        return out;
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
