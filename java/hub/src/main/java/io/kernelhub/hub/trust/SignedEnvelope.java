package io.kernelhub.hub.trust;

import io.kernelhub.hub.manifest.JsonValues;
import io.kernelhub.hub.manifest.ManifestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A signed document in Sigstore's DSSE shape: the payload's exact bytes (base64), its type, and
 * any number of signatures over the pre-authentication encoding {@code DSSEv1 len(type) type
 * len(payload) payload}. One file carries payload and signatures, so a reader never pairs a new
 * index with an old signature; the type is signed too, so a signature over a revocation list
 * can never pass as one over an index; and several keys can sign the same bytes (rotation).
 *
 * @param payloadType the payload's media type (one of the {@code *_TYPE} constants of its format)
 * @param payload     the signed bytes, exactly as they were signed
 * @param signatures  Ed25519 signatures by key id (at most one per key)
 */
public record SignedEnvelope(String payloadType, byte[] payload, List<ManifestSignature> signatures) {

    public static final int MAX_BYTES = 2 << 20;
    private static final int MAX_SIGNATURES = 16;

    public SignedEnvelope {
        payload = payload.clone();
        signatures = List.copyOf(signatures);
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** The bytes the signatures cover. */
    public byte[] preAuthenticationEncoding() {
        return pae(payloadType, payload);
    }

    /** The bytes a signature over {@code body} of type {@code type} covers. */
    public static byte[] preAuthenticationEncoding(String type, byte[] body) {
        return pae(type, body);
    }

    static byte[] pae(String type, byte[] body) {
        byte[] t = type.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("DSSEv1 " + t.length + " " + type + " " + body.length + " ").getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[head.length + body.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    /** This envelope with {@code sig} added (replacing an earlier signature by the same key). */
    public SignedEnvelope withSignature(ManifestSignature sig) {
        List<ManifestSignature> all = new ArrayList<>();
        for (ManifestSignature s : signatures) {
            if (!s.keyId().equals(sig.keyId())) all.add(s);
        }
        all.add(sig);
        return new SignedEnvelope(payloadType, payload, all);
    }

    public static SignedEnvelope parse(byte[] bytes, String what) {
        if (bytes == null || bytes.length == 0 || bytes.length > MAX_BYTES) {
            throw new ManifestException(what + " is empty or larger than " + MAX_BYTES + " bytes");
        }
        Object v;
        try {
            v = JsonValues.parse(bytes);
        } catch (IOException | RuntimeException e) {
            throw new ManifestException(what + " is not valid JSON");
        }
        if (!(v instanceof Map<?, ?> n)) {
            throw new ManifestException(what + " must be a JSON object (a signed envelope)");
        }
        if (!(n.get("payloadType") instanceof String type) || type.isEmpty()) {
            throw new ManifestException(what + ": 'payloadType' is missing");
        }
        byte[] body;
        try {
            body = Base64.getDecoder().decode(n.get("payload") instanceof String s ? s : "");
        } catch (IllegalArgumentException e) {
            throw new ManifestException(what + ": 'payload' is not valid base64");
        }
        if (body.length == 0) {
            throw new ManifestException(what + ": 'payload' is missing or empty");
        }
        List<ManifestSignature> sigs = new ArrayList<>();
        if (n.get("signatures") instanceof List<?> list) {
            if (list.size() > MAX_SIGNATURES) {
                throw new ManifestException(what + " carries " + list.size() + " signatures, over the limit of " + MAX_SIGNATURES);
            }
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> s)) throw new ManifestException(what + ": each signature must be an object");
                byte[] sig;
                try {
                    sig = Base64.getDecoder().decode(s.get("sig") instanceof String t ? t : "");
                } catch (IllegalArgumentException e) {
                    throw new ManifestException(what + ": a signature is not valid base64");
                }
                ManifestSignature ms = new ManifestSignature(s.get("keyid") instanceof String k ? k : null, sig);
                if (sigs.stream().anyMatch(x -> x.keyId().equals(ms.keyId()))) {
                    throw new ManifestException(what + " carries two signatures by key " + ms.keyId());
                }
                sigs.add(ms);
            }
        } else if (n.get("signatures") != null) {
            throw new ManifestException(what + ": 'signatures' must be an array");
        }
        return new SignedEnvelope(type, body, sigs);
    }

    public byte[] write() {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("payloadType", payloadType);
        n.put("payload", Base64.getEncoder().encodeToString(payload));
        List<Object> sigs = new ArrayList<>();
        for (ManifestSignature s : signatures) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("keyid", s.keyId());
            o.put("sig", Base64.getEncoder().encodeToString(s.signature()));
            sigs.add(o);
        }
        n.put("signatures", sigs);
        return (JsonValues.write(n) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
