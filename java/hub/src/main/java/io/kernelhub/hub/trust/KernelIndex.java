package io.kernelhub.hub.trust;

import io.kernelhub.core.version.Version;
import io.kernelhub.hub.manifest.JsonValues;
import io.kernelhub.hub.manifest.ManifestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A kernel's signed version index ({@code <org>/<name>/kernel-index.json}, the payload of a
 * {@link SignedEnvelope}): every published version with the SHA-256 of its manifest, yanks,
 * a serial that grows with every change, and an expiry. It plays TUF's snapshot and timestamp
 * roles for one kernel: a client refuses an expired index (a frozen mirror), one with a lower
 * serial than it has seen or one that drops a version it has seen (a rollback), and a manifest
 * whose digest the index does not list.
 *
 * @param kernel   {@code org/name}
 * @param serial   1 for the first index, one more for every change
 * @param expires  the instant after which no client accepts it
 * @param versions every version with its manifest digest and yank
 */
public record KernelIndex(String kernel, long serial, Instant expires, Map<Version, Entry> versions) {

    public static final String PAYLOAD_TYPE = "application/vnd.kernelhub.kernel-index+json";
    public static final String FILE_NAME = "kernel-index.json";
    static final String TYPE = "kernelhub-kernel-index";
    static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern KERNEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}/[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final int MAX_VERSIONS = 10_000;

    /**
     * One version.
     *
     * @param manifestSha256 the digest of the manifest's exact bytes
     * @param yanked         why the publisher withdrew it, or null when it is not withdrawn
     */
    public record Entry(String manifestSha256, String yanked) {
        public Entry {
            if (manifestSha256 == null || !SHA.matcher(manifestSha256).matches()) {
                throw new ManifestException("kernel index: manifest_sha256 must be 64 lower-case hex digits, got '"
                        + manifestSha256 + "'");
            }
            if (yanked != null && yanked.isBlank()) {
                throw new ManifestException("kernel index: a yank needs a reason");
            }
        }

        public boolean isYanked() {
            return yanked != null;
        }
    }

    public KernelIndex {
        if (kernel == null || !KERNEL.matcher(kernel).matches()) {
            throw new ManifestException("kernel index: 'kernel' must be org/name, got '" + kernel + "'");
        }
        if (serial < 1) {
            throw new ManifestException("kernel index: 'serial' must be a positive integer, got " + serial);
        }
        if (expires == null) {
            throw new ManifestException("kernel index: 'expires' is missing");
        }
        versions = Collections.unmodifiableMap(new TreeMap<>(versions));
    }

    public String org() {
        return kernel.substring(0, kernel.indexOf('/'));
    }

    public String name() {
        return kernel.substring(kernel.indexOf('/') + 1);
    }

    public boolean expiredAt(Instant now) {
        return !now.isBefore(expires);
    }

    /** The next index: serial + 1, a new expiry, {@code v} listed (or re-yanked) as given. */
    public KernelIndex next(Instant newExpiry, Map<Version, Entry> changes) {
        Map<Version, Entry> all = new TreeMap<>(versions);
        all.putAll(changes);
        return new KernelIndex(kernel, serial + 1, newExpiry.truncatedTo(ChronoUnit.SECONDS), all);
    }

    public static KernelIndex first(String kernel, Instant expiry, Map<Version, Entry> versions) {
        return new KernelIndex(kernel, 1, expiry.truncatedTo(ChronoUnit.SECONDS), versions);
    }

    public static KernelIndex parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || bytes.length > SignedEnvelope.MAX_BYTES) {
            throw new ManifestException("kernel index is empty or larger than " + SignedEnvelope.MAX_BYTES + " bytes");
        }
        Object v;
        try {
            v = JsonValues.parse(bytes);
        } catch (IOException | RuntimeException e) {
            throw new ManifestException("kernel index is not valid JSON");
        }
        if (!(v instanceof Map<?, ?> n)) {
            throw new ManifestException("kernel index must be a JSON object");
        }
        if (!TYPE.equals(n.get("type"))) {
            throw new ManifestException("kernel index: 'type' must be '" + TYPE + "', got '" + n.get("type") + "'");
        }
        if (!(n.get("format") instanceof Long f) || f != 1) {
            throw new ManifestException("kernel index: 'format' " + n.get("format") + " is not supported (this kernelhub "
                    + "reads format 1); upgrade kernelhub");
        }
        if (!(n.get("serial") instanceof Long serial)) {
            throw new ManifestException("kernel index: 'serial' must be an integer");
        }
        Instant expires;
        try {
            expires = Instant.parse(n.get("expires") instanceof String s ? s : "");
        } catch (DateTimeParseException e) {
            throw new ManifestException("kernel index: 'expires' must be an ISO-8601 instant such as 2027-01-31T00:00:00Z");
        }
        if (!(n.get("versions") instanceof List<?> list)) {
            throw new ManifestException("kernel index: 'versions' must be an array");
        }
        if (list.size() > MAX_VERSIONS) {
            throw new ManifestException("kernel index lists " + list.size() + " versions, over the limit of " + MAX_VERSIONS);
        }
        Map<Version, Entry> versions = new TreeMap<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> e) || !(e.get("version") instanceof String ver) || !Version.isValid(ver)) {
                throw new ManifestException("kernel index: each entry needs a 'version' such as 2.1.0");
            }
            Object yank = e.get("yanked");
            if (yank != null && !(yank instanceof String)) {
                throw new ManifestException("kernel index: 'yanked' of " + ver + " must be a string (the reason)");
            }
            Entry entry = new Entry(e.get("manifest_sha256") instanceof String s ? s : null, (String) yank);
            if (versions.put(Version.parse(ver), entry) != null) {
                throw new ManifestException("kernel index lists version " + ver + " twice");
            }
        }
        return new KernelIndex(n.get("kernel") instanceof String k ? k : null, serial, expires, versions);
    }

    /** The payload bytes (stable: the same index always writes the same bytes). */
    public byte[] write() {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("type", TYPE);
        n.put("format", 1L);
        n.put("kernel", kernel);
        n.put("serial", serial);
        n.put("expires", expires.toString());
        List<Object> list = new ArrayList<>();
        versions.forEach((v, e) -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("version", v.toString());
            o.put("manifest_sha256", e.manifestSha256());
            if (e.isYanked()) o.put("yanked", e.yanked());
            list.add(o);
        });
        n.put("versions", list);
        return (JsonValues.write(n) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
