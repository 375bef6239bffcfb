package io.kernelhub.hub.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.version.Version;
import io.kernelhub.hub.trust.ManifestSignature;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The manifest, signature and maven-metadata parsers are total: valid input round-trips, and
 * thousands of seeded mutations of valid input either parse or raise ManifestException — never
 * another exception (a hostile hub must not crash a client).
 */
class ManifestParsersFuzzTest {

    static KernelManifest sample() {
        VariantEntry cpu = new VariantEntry("cpu-x86_64-linux", "k-2.1.0-cpu-x86_64-linux.tar.gz", "0".repeat(64), 1234,
                "libk.so", 1, Requirements.cpu("2.28", List.of("x86-64")), "{\"id\":\"org/k\"}");
        VariantEntry cu = new VariantEntry("cu130-x86_64-linux", "k-2.1.0-cu130-x86_64-linux.tar.gz", "f".repeat(64), 99,
                "libk.so", 1, new Requirements("2.28", List.of(), List.of(), "13.0", "580.65.06", List.of("sm_80", "sm_90"),
                List.of("compute_90")), "{}");
        return new KernelManifest("org/k", Version.parse("2.1.0"), "MIT", "a kernel", "2026-11-30T00:00:00Z", "1".repeat(64),
                List.of(cpu, cu));
    }

    @Test
    void manifestRoundTripsByteForByte() {
        byte[] a = ManifestCodec.write(sample());
        KernelManifest back = ManifestCodec.parse(a);
        assertThat(back.variants()).hasSize(2);
        assertThat(back.variant("cu130-x86_64-linux").orElseThrow().requirements().sass()).containsExactly("sm_80", "sm_90");
        assertThat(ManifestCodec.write(back)).isEqualTo(a);
    }

    @Test
    void malformedManifestsSayWhatIsWrong() {
        String ok = new String(ManifestCodec.write(sample()), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ManifestCodec.parse(ok.replace("\"schema\" : 1", "\"schema\" : 7").getBytes()))
                .isInstanceOf(ManifestException.class).hasMessageContaining("schema 7");
        assertThatThrownBy(() -> ManifestCodec.parse(ok.replace("0000000000000000", "zzzz").getBytes()))
                .isInstanceOf(ManifestException.class).hasMessageContaining("sha256");
        assertThatThrownBy(() -> ManifestCodec.parse(ok.replace("cu130-x86_64-linux\"", "cpu-x86_64-linux\"").getBytes()))
                .isInstanceOf(ManifestException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> ManifestCodec.parse(ok.replace("\"org/k\"", "\"../../etc\"").getBytes()))
                .isInstanceOf(ManifestException.class).hasMessageContaining("id");
        assertThatThrownBy(() -> ManifestCodec.parse(ok.replace("k-2.1.0-cpu-x86_64-linux.tar.gz", "../../x.tar.gz").getBytes()))
                .isInstanceOf(ManifestException.class).hasMessageContaining("archive");
        assertThatThrownBy(() -> ManifestCodec.parse((ok + "{}").getBytes())).isInstanceOf(ManifestException.class);
        assertThatThrownBy(() -> ManifestCodec.parse(new byte[0])).isInstanceOf(ManifestException.class);
        assertThatThrownBy(() -> ManifestCodec.parse("[".repeat(100_000).getBytes())).isInstanceOf(ManifestException.class);
    }

    @Test
    void mavenMetadataRoundTripsAndRefusesDoctypes() {
        MavenMetadata md = new MavenMetadata("org", "k", List.of(Version.parse("2.1.0"), Version.parse("1.0.0"),
                Version.parse("3.0.0-rc.1")));
        MavenMetadata back = MavenMetadata.parse(md.write());
        assertThat(back.versions()).extracting(Version::toString).containsExactly("1.0.0", "2.1.0", "3.0.0-rc.1");
        assertThat(back.release()).hasToString("2.1.0");
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<metadata><groupId>&x;</groupId><artifactId>k</artifactId></metadata>";
        assertThatThrownBy(() -> MavenMetadata.parse(xxe.getBytes())).isInstanceOf(ManifestException.class)
                .hasMessageContaining("well-formed");
    }

    @Test
    void fuzzedManifestsRaiseOnlyManifestException() {
        fuzz(ManifestCodec.write(sample()), ManifestCodec::parse, 4000, 11);
    }

    @Test
    void fuzzedMetadataRaisesOnlyManifestException() {
        fuzz(new MavenMetadata("org", "k", List.of(Version.parse("2.1.0"), Version.parse("1.0.0"))).write(),
                MavenMetadata::parse, 3000, 12);
    }

    @Test
    void fuzzedSignaturesRaiseOnlyManifestException() {
        fuzz(new ManifestSignature("0123456789abcdef", new byte[64]).write(), ManifestSignature::parse, 2000, 13);
    }

    static io.kernelhub.hub.trust.KernelIndex sampleIndex() {
        return io.kernelhub.hub.trust.KernelIndex.first("org/k", java.time.Instant.parse("2027-01-31T00:00:00Z"), java.util.Map.of(
                Version.parse("2.0.0"), new io.kernelhub.hub.trust.KernelIndex.Entry("a".repeat(64), null),
                Version.parse("2.1.0"), new io.kernelhub.hub.trust.KernelIndex.Entry("b".repeat(64), "broken fp16")));
    }

    @Test
    void signedFormatsRoundTripAndSayWhatIsWrong() {
        var index = sampleIndex();
        assertThat(io.kernelhub.hub.trust.KernelIndex.parse(index.write())).isEqualTo(index);
        assertThat(io.kernelhub.hub.trust.KernelIndex.parse(index.write()).write()).isEqualTo(index.write());
        var list = new io.kernelhub.hub.trust.RevocationList("org", 3, java.util.Map.of("0123456789abcdef", "stolen"));
        assertThat(io.kernelhub.hub.trust.RevocationList.parse(list.write())).isEqualTo(list);
        var sigs = List.of(new ManifestSignature("0123456789abcdef", new byte[64]), new ManifestSignature("fedcba9876543210",
                new byte[64]));
        var env = new io.kernelhub.hub.trust.SignedEnvelope(io.kernelhub.hub.trust.KernelIndex.PAYLOAD_TYPE, index.write(), sigs);
        var back = io.kernelhub.hub.trust.SignedEnvelope.parse(env.write(), "index");
        assertThat(back.payload()).isEqualTo(index.write());
        assertThat(back.signatures()).extracting(ManifestSignature::keyId).containsExactly("0123456789abcdef", "fedcba9876543210");
        assertThat(ManifestSignature.parseAll(ManifestSignature.writeAll(sigs))).hasSize(2);
        // the signed bytes bind the payload type: an index signature cannot pass for a revocation list
        assertThat(io.kernelhub.hub.trust.SignedEnvelope.preAuthenticationEncoding(io.kernelhub.hub.trust.KernelIndex.PAYLOAD_TYPE,
                index.write())).isNotEqualTo(io.kernelhub.hub.trust.SignedEnvelope.preAuthenticationEncoding(
                io.kernelhub.hub.trust.RevocationList.PAYLOAD_TYPE, index.write()));
        String ok = new String(index.write(), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> io.kernelhub.hub.trust.KernelIndex.parse(ok.replace("\"serial\":1", "\"serial\":0").getBytes()))
                .isInstanceOf(ManifestException.class).hasMessageContaining("serial");
        assertThatThrownBy(() -> io.kernelhub.hub.trust.KernelIndex.parse(ok.replace("2027-01-31T00:00:00Z", "soon").getBytes()))
                .isInstanceOf(ManifestException.class).hasMessageContaining("expires");
        assertThatThrownBy(() -> io.kernelhub.hub.trust.KernelIndex.parse(ok.replace("\"2.1.0\"", "\"2.0.0\"").getBytes()))
                .isInstanceOf(ManifestException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> io.kernelhub.hub.trust.KernelIndex.parse(ok.replace("\"format\":1", "\"format\":2").getBytes()))
                .isInstanceOf(ManifestException.class).hasMessageContaining("upgrade kernelhub");
    }

    @Test
    void fuzzedIndexesRaiseOnlyManifestException() {
        fuzz(sampleIndex().write(), io.kernelhub.hub.trust.KernelIndex::parse, 4000, 14);
    }

    @Test
    void fuzzedRevocationListsRaiseOnlyManifestException() {
        fuzz(new io.kernelhub.hub.trust.RevocationList("org", 3, java.util.Map.of("0123456789abcdef", "stolen",
                "fedcba9876543210", "retired")).write(), io.kernelhub.hub.trust.RevocationList::parse, 3000, 15);
    }

    @Test
    void fuzzedEnvelopesAndSignatureListsRaiseOnlyManifestException() {
        var sigs = List.of(new ManifestSignature("0123456789abcdef", new byte[64]), new ManifestSignature("fedcba9876543210",
                new byte[64]));
        fuzz(new io.kernelhub.hub.trust.SignedEnvelope(io.kernelhub.hub.trust.KernelIndex.PAYLOAD_TYPE, sampleIndex().write(),
                sigs).write(), b -> io.kernelhub.hub.trust.SignedEnvelope.parse(b, "index"), 3000, 16);
        fuzz(ManifestSignature.writeAll(sigs), ManifestSignature::parseAll, 3000, 17);
    }

    /** Seeded mutations: byte flips, deletions, insertions of JSON/XML punctuation, truncation, splices. */
    private static void fuzz(byte[] valid, Function<byte[], ?> parser, int cases, long seed) {
        Random rnd = new Random(seed);
        byte[] alphabet = "{}[]\":,<>/=!-.0123456789aeflnrstu \n\\&;x".getBytes(StandardCharsets.US_ASCII);
        int parsed = 0, refused = 0;
        for (int i = 0; i < cases; i++) {
            byte[] b = valid.clone();
            int edits = 1 + rnd.nextInt(6);
            for (int e = 0; e < edits && b.length > 0; e++) {
                int at = rnd.nextInt(b.length);
                switch (rnd.nextInt(5)) {
                    case 0 -> b[at] = (byte) rnd.nextInt(256);
                    case 1 -> b[at] = alphabet[rnd.nextInt(alphabet.length)];
                    case 2 -> b = concat(slice(b, 0, at), slice(b, Math.min(b.length, at + 1 + rnd.nextInt(20)), b.length));
                    case 3 -> b = concat(concat(slice(b, 0, at), new byte[] {alphabet[rnd.nextInt(alphabet.length)]}),
                            slice(b, at, b.length));
                    default -> b = slice(b, 0, at);
                }
            }
            try {
                parser.apply(b);
                parsed++;
            } catch (ManifestException expected) {
                refused++;
            } catch (RuntimeException other) {
                throw new AssertionError("case " + i + " (seed " + seed + ") raised " + other + " for input:\n"
                        + new String(b, StandardCharsets.UTF_8), other);
            }
        }
        assertThat(refused).as("mutations must mostly be refused").isGreaterThan(cases / 2);
        assertThat(parsed + refused).isEqualTo(cases);
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
