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
import java.util.List;
import java.util.Set;
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
            trustForAnyOrg(pem("PUBLIC KEY", kp.getPublic().getEncoded())); // this machine's own key: explicit any-org
            return keyId(kp.getPublic());
        } catch (GeneralSecurityException | IOException e) {
            throw new HubException("cannot create a signing key in " + dir + ": " + e, e);
        }
    }

    /** The scope line that trusts a key for every org; written only on explicit request ({@code --any-org}, keygen). */
    public static final String ANY_ORG = "*";
    private static final java.util.regex.Pattern ORG = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    /**
     * Trusts a public key for the given orgs only ({@code trusted/<key-id>.orgs}, one org per
     * line): a publisher trusted for {@code acme} cannot sign {@code kernels-community/...}.
     * Trust for every org must be asked for explicitly with {@link #ANY_ORG}; a blank or
     * malformed org name is an error, never "any".
     */
    public String trust(String publicKeyPem, java.util.List<String> orgs) {
        java.util.List<String> scope = validScope(orgs);
        PublicKey key = parsePublic(publicKeyPem, "public key");
        String id = keyId(key);
        Path file = dir.resolve("trusted").resolve(id + ".orgs");
        try {
            // the scope first: a key file without its scope is never trusted (see scopeOf)
            Files.createDirectories(file.getParent());
            io.kernelhub.hub.HubFiles.writeAtomically(file, (String.join("\n", scope) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new HubException("cannot write " + file + ": " + e, e);
        }
        return trust(key);
    }

    /** Trusts a key for every org (an explicit choice: {@code trust add --any-org}, or this machine's own key). */
    public String trustForAnyOrg(String publicKeyPem) {
        return trust(publicKeyPem, java.util.List.of(ANY_ORG));
    }

    private static java.util.List<String> validScope(java.util.List<String> orgs) {
        if (orgs == null || orgs.isEmpty()) {
            throw new HubException("name the orgs the key may sign for (--org ORG[,ORG...]), or trust it for every org "
                    + "explicitly (--any-org)");
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String o : orgs) {
            if (o == null || o.isBlank()) {
                throw new HubException("an org name is blank; name the orgs the key may sign for, e.g. --org acme, or use "
                        + "--any-org to trust it for every org");
            }
            String t = o.trim();
            if (!t.equals(ANY_ORG) && !ORG.matcher(t).matches()) {
                throw new HubException("'" + o + "' is not an org name (letters, digits, '.', '_', '-'; the part of a kernel "
                        + "id before the '/')");
            }
            if (!out.contains(t)) out.add(t);
        }
        if (out.contains(ANY_ORG) && out.size() > 1) {
            throw new HubException("--any-org and --org exclude each other: " + out);
        }
        return out;
    }

    /**
     * The orgs a trusted key may sign for ({@code [*]} for any), or empty when the key has no
     * scope file (trusted by an older kernelhub without a scope): such a key signs nothing until
     * it is trusted again with a scope. This machine's own signing key is the exception: keygen
     * trusts it for every org, and older keygens simply wrote no scope for it.
     */
    public java.util.List<String> orgsOf(String keyId) {
        Path scope = dir.resolve("trusted").resolve(keyId + ".orgs");
        try {
            if (!Files.exists(scope)) {
                // this machine's own key, made by an older keygen that wrote no scope: keygen trusts it for every org
                return signingKeyId().filter(keyId::equals).isPresent() ? java.util.List.of(ANY_ORG) : java.util.List.of();
            }
            return Files.readAllLines(scope).stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new HubException("cannot read " + scope + ": " + e, e);
        }
    }

    /** True when the key is trusted and its scope covers {@code org}. */
    public boolean trustedFor(String keyId, String org) {
        return trusted().containsKey(keyId) && covers(orgsOf(keyId), org);
    }

    /** True when some trusted key may sign for {@code org} (then unsigned content for it is never accepted). */
    public boolean hasKeyFor(String org) {
        return trusted().keySet().stream().anyMatch(k -> covers(orgsOf(k), org)); // the key files are read once
    }

    /** Whether a key's scope (as {@link #orgsOf} reads it) lets it sign for {@code org}. */
    private static boolean covers(List<String> scope, String org) {
        return scope.contains(ANY_ORG) || scope.contains(org);
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

    /** As {@link #verify(byte[], List, String, String, Set)} for one signature and no revocations. */
    public String verify(byte[] data, ManifestSignature sig, String what, String org) {
        return verify(data, List.of(sig), what, org, Set.of()).getFirst();
    }

    /**
     * Checks signatures over {@code data}: at least one must come from a key trusted for
     * {@code org} and not revoked, and every signature by such a key must verify (one that does
     * not means the bytes were altered: refused, not skipped). Signatures by other keys are
     * ignored, so a publisher can add a new key's signature beside the old one.
     *
     * @param revoked key ids withdrawn for this org (signed revocation lists the client has seen)
     * @return the ids of the trusted keys whose signatures verified
     * @throws HubException naming what was wrong and what to do
     */
    public List<String> verify(byte[] data, List<ManifestSignature> sigs, String what, String org, Set<String> revoked) {
        if (sigs.isEmpty()) {
            throw new HubException(what + " carries no signature");
        }
        Map<String, PublicKey> trusted = trusted();
        List<String> good = new java.util.ArrayList<>();
        List<String> notes = new java.util.ArrayList<>();
        for (ManifestSignature sig : sigs) {
            PublicKey key = trusted.get(sig.keyId());
            if (key == null) {
                notes.add("key " + sig.keyId() + " is not among the trusted keys in " + dir.resolve("trusted"));
                continue;
            }
            List<String> orgs = orgsOf(sig.keyId());
            if (orgs.isEmpty()) {
                notes.add("key " + sig.keyId() + " is trusted without an org scope (by an older kernelhub) and signs nothing "
                        + "until trusted again: kernelhub trust add KEY.pub --org " + org + " (or --any-org)");
                continue;
            }
            if (!covers(orgs, org)) {
                notes.add("key " + sig.keyId() + " is trusted only for " + orgs + ", not for '" + org + "'");
                continue;
            }
            if (revoked.contains(sig.keyId())) {
                notes.add("key " + sig.keyId() + " was revoked for '" + org + "' by a signed revocation list");
                continue;
            }
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initVerify(key);
                s.update(data);
                if (!s.verify(sig.signature())) {
                    throw new HubException(what + ": the signature by key " + sig.keyId() + " does not match "
                            + "(it was altered after signing, or the signature belongs to other content). Refusing it.");
                }
            } catch (GeneralSecurityException e) {
                throw new HubException(what + ": cannot verify the signature by key " + sig.keyId() + ": " + e, e);
            }
            good.add(sig.keyId());
        }
        if (good.isEmpty()) {
            throw new NoTrustedSignatureException(what + " has no valid signature by a key trusted for '" + org + "' (" + String.join("; ", notes)
                    + "). If you trust its publisher, add their public key: kernelhub trust add KEY.pub --org " + org);
        }
        return good;
    }

    /** No signature came from a usable trusted key (as opposed to a trusted key's signature that does not verify). */
    public static final class NoTrustedSignatureException extends HubException {
        private static final long serialVersionUID = 1L;

        NoTrustedSignatureException(String message) {
            super(message);
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
