package io.kernelhub.hub.trust;

import io.kernelhub.hub.manifest.JsonValues;
import io.kernelhub.hub.manifest.ManifestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code .kernel.json.sig} file: an Ed25519 signature over the manifest's exact bytes and
 * the id of the key that made it.
 *
 * @param keyId     16 hex digits: the start of the SHA-256 of the public key's X.509 encoding
 * @param signature the 64-byte Ed25519 signature
 */
public record ManifestSignature(String keyId, byte[] signature) {

    public static final String ALGORITHM = "Ed25519";
    public static final int MAX_BYTES = 4096;
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");

    public ManifestSignature {
        if (keyId == null || !KEY_ID.matcher(keyId).matches()) {
            throw new ManifestException("signature: key_id must be 16 lower-case hex digits, got '" + keyId + "'");
        }
        if (signature == null || signature.length != 64) {
            throw new ManifestException("signature: an Ed25519 signature is 64 bytes, got "
                    + (signature == null ? "none" : signature.length));
        }
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** A file with exactly one signature (the first format; still what one signer writes). */
    public static ManifestSignature parse(byte[] bytes) {
        List<ManifestSignature> all = parseAll(bytes);
        if (all.size() != 1) {
            throw new ManifestException("signature file holds " + all.size() + " signatures where one was expected");
        }
        return all.getFirst();
    }

    /**
     * Every signature in a {@code .sig} file: one object ({@code algorithm, key_id, signature}),
     * or {@code {"signatures": [...]}} of those when several keys signed (key rotation).
     */
    public static List<ManifestSignature> parseAll(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || bytes.length > MAX_BYTES) {
            throw new ManifestException("signature file is empty or larger than " + MAX_BYTES + " bytes");
        }
        Object v;
        try {
            v = JsonValues.parse(bytes);
        } catch (IOException | RuntimeException e) {
            throw new ManifestException("signature file is not valid JSON");
        }
        if (!(v instanceof Map<?, ?> n)) {
            throw new ManifestException("signature file must be a JSON object");
        }
        if (n.containsKey("signatures")) {
            if (!(n.get("signatures") instanceof List<?> list) || list.isEmpty() || list.size() > 16) {
                throw new ManifestException("signature file: 'signatures' must be an array of 1 to 16 signatures");
            }
            List<ManifestSignature> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> one)) throw new ManifestException("signature file: each signature must be an object");
                ManifestSignature s = one(one);
                if (out.stream().anyMatch(x -> x.keyId().equals(s.keyId()))) {
                    throw new ManifestException("signature file holds two signatures by key " + s.keyId());
                }
                out.add(s);
            }
            return out;
        }
        return List.of(one(n));
    }

    private static ManifestSignature one(Map<?, ?> n) {
        if (!ALGORITHM.equals(n.get("algorithm"))) {
            throw new ManifestException("signature algorithm must be " + ALGORITHM + ", got '" + n.get("algorithm") + "'");
        }
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(n.get("signature") instanceof String s ? s : "");
        } catch (IllegalArgumentException e) {
            throw new ManifestException("signature is not valid base64");
        }
        return new ManifestSignature(n.get("key_id") instanceof String k ? k : null, sig);
    }

    /** Writes one signature in the first format (readable by every kernelhub), several as a list. */
    public static byte[] writeAll(List<ManifestSignature> sigs) {
        if (sigs.size() == 1) return sigs.getFirst().write();
        List<Object> list = new ArrayList<>();
        for (ManifestSignature s : sigs) list.add(s.fields());
        Map<String, Object> n = new java.util.LinkedHashMap<>();
        n.put("signatures", list);
        return (JsonValues.write(n) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private Map<String, Object> fields() {
        Map<String, Object> n = new java.util.LinkedHashMap<>();
        n.put("algorithm", ALGORITHM);
        n.put("key_id", keyId);
        n.put("signature", Base64.getEncoder().encodeToString(signature));
        return n;
    }

    public byte[] write() {
        return (JsonValues.write(fields()) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
