package io.kernelhub.hub.trust;

import io.kernelhub.hub.Digests;
import io.kernelhub.hub.HubException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The signing key and the trusted public keys under {@code KERNELHUB_HOME/keys}:
 * {@code signing.key} (PKCS#8 PEM, owner-only), {@code signing.pub}, and
 * {@code trusted/<key-id>.pub} (X.509 PEM) for every key whose manifests are accepted.
 * Ed25519 comes with the JDK; no crypto library is needed.
 */
public final class KeyRing {

    private final Path dir;

    public KeyRing(Path keysDir) {
        this.dir = keysDir;
    }

    public Path directory() {
        return dir;
    }

    /** Key id: 16 hex digits of the SHA-256 of the public key's X.509 encoding. */
    public static String keyId(PublicKey key) {
        return Digests.sha256(key.getEncoded()).substring(0, 16);
    }

    /** Creates a signing key (refusing to overwrite one) and trusts its public key. Returns its id. */
    public String generate() {
        Path priv = dir.resolve("signing.key");
        if (Files.exists(priv)) {
            throw new HubException("a signing key already exists at " + priv + " (key id " + signingKeyId().orElse("?")
                    + "); delete it first if you really want a new one (manifests it signed stay valid only while "
                    + "its public key is trusted)");
        }
        try {
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".signing", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(tmp, pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
                Files.move(tmp, priv, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            Files.writeString(dir.resolve("signing.pub"), pem("PUBLIC KEY", kp.getPublic().getEncoded()));
            trust(kp.getPublic());
            return keyId(kp.getPublic());
        } catch (GeneralSecurityException | IOException e) {
            throw new HubException("cannot create a signing key in " + dir + ": " + e, e);
        }
    }

    /** Adds a public key (PEM text) to the trusted keys; returns its id. */
    public String trust(String publicKeyPem) {
        return trust(parsePublic(publicKeyPem, "public key"));
    }

    /**
     * Trusts a public key for the given orgs only ({@code trusted/<key-id>.orgs}, one org per
     * line): a publisher trusted for {@code acme} cannot sign {@code kernels-community/...}.
     * Without orgs the key may sign any id.
     */
    public String trust(String publicKeyPem, java.util.List<String> orgs) {
        String id = trust(publicKeyPem);
        Path scope = dir.resolve("trusted").resolve(id + ".orgs");
        try {
            if (orgs.isEmpty()) {
                Files.deleteIfExists(scope);
            } else {
                io.kernelhub.hub.HubFiles.writeAtomically(scope,
                        (String.join("\n", orgs) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new HubException("cannot write " + scope + ": " + e, e);
        }
        return id;
    }

    /** The orgs a trusted key may sign for, or empty for any. */
    public java.util.List<String> orgsOf(String keyId) {
        Path scope = dir.resolve("trusted").resolve(keyId + ".orgs");
        try {
            return Files.exists(scope) ? Files.readAllLines(scope).stream().map(String::trim).filter(l -> !l.isEmpty()).toList()
                    : java.util.List.of();
        } catch (IOException e) {
            throw new HubException("cannot read " + scope + ": " + e, e);
        }
    }

    private String trust(PublicKey key) {
        String id = keyId(key);
        try {
            Path t = dir.resolve("trusted");
            Files.createDirectories(t);
            Files.writeString(t.resolve(id + ".pub"), pem("PUBLIC KEY", key.getEncoded()));
            return id;
        } catch (IOException e) {
            throw new HubException("cannot write trusted key to " + dir + ": " + e, e);
        }
    }

    public Optional<String> signingKeyId() {
        Path pub = dir.resolve("signing.pub");
        try {
            return Files.exists(pub) ? Optional.of(keyId(parsePublic(Files.readString(pub), pub.toString()))) : Optional.empty();
        } catch (IOException e) {
            throw new HubException("cannot read " + pub + ": " + e, e);
        }
    }

    /** Signs manifest bytes with the signing key, or empty when there is none. */
    public Optional<ManifestSignature> sign(byte[] manifest) {
        Path priv = dir.resolve("signing.key"), pub = dir.resolve("signing.pub");
        if (!Files.exists(priv)) {
            return Optional.empty();
        }
        try {
            PrivateKey key = KeyFactory.getInstance("Ed25519")
                    .generatePrivate(new PKCS8EncodedKeySpec(decodePem(Files.readString(priv), priv.toString())));
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(manifest);
            byte[] signature = s.sign();
            PublicKey pk = parsePublic(Files.readString(pub), pub.toString());
            Signature check = Signature.getInstance("Ed25519");
            check.initVerify(pk);
            check.update(manifest);
            if (!check.verify(signature)) { // never publish signatures nobody can verify
                throw new HubException(priv + " and " + pub + " are not a key pair: the signature does not verify with the "
                        + "public key. Recreate them with kernelhub keygen.");
            }
            return Optional.of(new ManifestSignature(keyId(pk), signature));
        } catch (GeneralSecurityException | IOException e) {
            throw new HubException("cannot sign with " + priv + ": " + e + ". Recreate the key with kernelhub keygen.", e);
        }
    }

    /** The trusted public keys by id. */
    public Map<String, PublicKey> trusted() {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        Path t = dir.resolve("trusted");
        if (!Files.isDirectory(t)) {
            return keys;
        }
        try (Stream<Path> s = Files.list(t)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".pub")).sorted().toList()) {
                PublicKey k = parsePublic(Files.readString(p), p.toString());
                keys.put(keyId(k), k);
            }
        } catch (IOException e) {
            throw new HubException("cannot read trusted keys in " + t + ": " + e, e);
        }
        return keys;
    }

    /**
     * Checks a manifest's signature against the trusted keys.
     *
     * @return the id of the key that signed it
     * @throws HubException when the key is not trusted or the signature does not verify
     */
    public String verify(byte[] manifest, ManifestSignature sig, String what) {
        return verify(manifest, sig, what, null);
    }

    /**
     * As {@link #verify(byte[], ManifestSignature, String)}, and the key must be trusted for
     * {@code org} (when the key's trust is scoped to orgs).
     */
    public String verify(byte[] manifest, ManifestSignature sig, String what, String org) {
        PublicKey key = trusted().get(sig.keyId());
        if (key == null) {
            throw new HubException(what + " is signed by key " + sig.keyId() + ", which is not among the trusted keys in "
                    + dir.resolve("trusted") + ". If you trust its publisher, add their public key: "
                    + "kernelhub trust add KEY.pub");
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(manifest);
            if (!s.verify(sig.signature())) {
                throw new HubException(what + ": the signature by key " + sig.keyId() + " does not match the manifest "
                        + "(it was altered after signing, or the signature belongs to another manifest). Refusing it.");
            }
            java.util.List<String> orgs = org == null ? java.util.List.of() : orgsOf(sig.keyId());
            if (!orgs.isEmpty() && !orgs.contains(org)) {
                throw new HubException(what + " is signed by key " + sig.keyId() + ", which is trusted only for " + orgs
                        + ", not for '" + org + "'. Refusing it.");
            }
            return sig.keyId();
        } catch (GeneralSecurityException e) {
            throw new HubException(what + ": cannot verify the signature: " + e, e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    static byte[] decodePem(String text, String what) {
        String body = text.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new HubException(what + " is not a PEM key");
        }
    }

    static PublicKey parsePublic(String pem, String what) {
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(decodePem(pem, what)));
        } catch (GeneralSecurityException e) {
            throw new HubException(what + " is not an Ed25519 public key (PEM, X.509): " + e.getMessage());
        }
    }
}
