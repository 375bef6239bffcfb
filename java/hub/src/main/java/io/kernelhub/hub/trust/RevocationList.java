package io.kernelhub.hub.trust;

import io.kernelhub.hub.manifest.JsonValues;
import io.kernelhub.hub.manifest.ManifestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An org's signed list of withdrawn keys ({@code <org>/kernelhub-revocations.json}, the payload
 * of a {@link SignedEnvelope}). A key listed here signs nothing for that org any more, on any
 * client that has seen the list once: clients keep the union of every list they accepted, and
 * refuse a list with a lower serial or one that drops a key.
 *
 * @param org     the org the list speaks for
 * @param serial  one more for every change
 * @param revoked key id to the reason it was withdrawn
 */
public record RevocationList(String org, long serial, Map<String, String> revoked) {

    public static final String PAYLOAD_TYPE = "application/vnd.kernelhub.revocations+json";
    public static final String FILE_NAME = "kernelhub-revocations.json";
    static final String TYPE = "kernelhub-revocations";
    private static final Pattern ORG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");
    private static final int MAX_KEYS = 1000;

    public RevocationList {
        if (org == null || !ORG.matcher(org).matches()) {
            throw new ManifestException("revocation list: 'org' must be an org name, got '" + org + "'");
        }
        if (serial < 1) {
            throw new ManifestException("revocation list: 'serial' must be a positive integer, got " + serial);
        }
        for (Map.Entry<String, String> e : revoked.entrySet()) {
            if (!KEY_ID.matcher(e.getKey()).matches()) {
                throw new ManifestException("revocation list: key ids are 16 lower-case hex digits, got '" + e.getKey() + "'");
            }
            if (e.getValue() == null || e.getValue().isBlank()) {
                throw new ManifestException("revocation list: revoking key " + e.getKey() + " needs a reason");
            }
        }
        revoked = java.util.Collections.unmodifiableMap(new TreeMap<>(revoked));
    }

    /** The next list: serial + 1 and {@code keyId} withdrawn. */
    public RevocationList with(String keyId, String reason) {
        Map<String, String> all = new TreeMap<>(revoked);
        all.put(keyId, reason);
        return new RevocationList(org, serial + 1, all);
    }

    public static RevocationList parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || bytes.length > SignedEnvelope.MAX_BYTES) {
            throw new ManifestException("revocation list is empty or larger than " + SignedEnvelope.MAX_BYTES + " bytes");
        }
        Object v;
        try {
            v = JsonValues.parse(bytes);
        } catch (IOException | RuntimeException e) {
            throw new ManifestException("revocation list is not valid JSON");
        }
        if (!(v instanceof Map<?, ?> n) || !TYPE.equals(n.get("type"))) {
            throw new ManifestException("revocation list must be a JSON object of type '" + TYPE + "'");
        }
        if (!(n.get("format") instanceof Long f) || f != 1) {
            throw new ManifestException("revocation list: 'format' " + n.get("format") + " is not supported; upgrade kernelhub");
        }
        if (!(n.get("serial") instanceof Long serial)) {
            throw new ManifestException("revocation list: 'serial' must be an integer");
        }
        if (!(n.get("revoked") instanceof List<?> list) || list.size() > MAX_KEYS) {
            throw new ManifestException("revocation list: 'revoked' must be an array of at most " + MAX_KEYS + " keys");
        }
        Map<String, String> revoked = new TreeMap<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> e) || !(e.get("key_id") instanceof String id) || !(e.get("reason") instanceof String r)) {
                throw new ManifestException("revocation list: each entry needs 'key_id' and 'reason' strings");
            }
            if (revoked.put(id, r) != null) {
                throw new ManifestException("revocation list names key " + id + " twice");
            }
        }
        return new RevocationList(n.get("org") instanceof String s ? s : null, serial, revoked);
    }

    public byte[] write() {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("type", TYPE);
        n.put("format", 1L);
        n.put("org", org);
        n.put("serial", serial);
        List<Object> list = new ArrayList<>();
        revoked.forEach((k, r) -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("key_id", k);
            o.put("reason", r);
            list.add(o);
        });
        n.put("revoked", list);
        return (JsonValues.write(n) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
