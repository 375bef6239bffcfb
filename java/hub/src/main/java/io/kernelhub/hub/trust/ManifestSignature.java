package io.kernelhub.hub.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.hub.manifest.ManifestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
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
    private static final ObjectMapper JSON = new ObjectMapper();

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

    public static ManifestSignature parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || bytes.length > MAX_BYTES) {
            throw new ManifestException("signature file is empty or larger than " + MAX_BYTES + " bytes");
        }
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            throw new ManifestException("signature file is not valid JSON");
        }
        if (n == null || !n.isObject()) {
            throw new ManifestException("signature file must be a JSON object");
        }
        if (!ALGORITHM.equals(n.path("algorithm").asText(null))) {
            throw new ManifestException("signature algorithm must be " + ALGORITHM + ", got '"
                    + n.path("algorithm").asText("") + "'");
        }
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(n.path("signature").asText(""));
        } catch (IllegalArgumentException e) {
            throw new ManifestException("signature is not valid base64");
        }
        return new ManifestSignature(n.path("key_id").asText(null), sig);
    }

    public byte[] write() {
        ObjectNode n = JSON.createObjectNode();
        n.put("algorithm", ALGORITHM);
        n.put("key_id", keyId);
        n.put("signature", Base64.getEncoder().encodeToString(signature));
        return (n.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
