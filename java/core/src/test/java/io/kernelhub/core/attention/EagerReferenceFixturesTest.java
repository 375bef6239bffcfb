package io.kernelhub.core.attention;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.check.F64Reference;
import io.kernelhub.core.attention.eager.EagerAttention;
import io.kernelhub.core.attention.sdpa.ScalarTileKernels;
import io.kernelhub.core.attention.sdpa.SdpaAttention;
import io.kernelhub.core.attention.sdpa.TileKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * eager and sdpa against attention computed outside the project: NumPy in f64 on the same
 * dtype-rounded inputs, written from docs/ATTENTION.md by
 * {@code scripts/reference-fixtures/make_fixtures.py} (see {@link ReferenceFixture}). eager and
 * sdpa share the mask helpers ({@link AttentionRequest#firstKey}, {@link AttentionRequest#endKey}),
 * so comparing them with each other cannot catch a mask bug; these fixtures can, and the
 * helpers are also compared row by row with key ranges NumPy found by testing every key.
 *
 * <p>The bounds are fixed per dtype, chosen from the measured errors with margin (not from
 * {@code AccuracyCheck}'s tolerance), and every case with a one-key-shifted variant proves that
 * such a mask shift breaks them by far.
 */
class EagerReferenceFixturesTest {

    /**
     * f32: about 84 f32 epsilons (2^-23); measured max 5.0e-7 (sdpa LSE, f32 arithmetic on the
     * rows of at most 150 keys).
     */
    static final double F32_BOUND = 1e-5;
    /**
     * f16: 4 f16 epsilons (eps = 2^-10; one rounding of a value in [2, 4) costs up to eps). eager
     * rounds the scores, probabilities and output to f16; measured max 1.40e-3 (eager, out).
     */
    static final double F16_BOUND = 4 * 0x1p-10;
    /** bf16: 4 bf16 epsilons (eps = 2^-7), the same reasoning; measured max 1.54e-2 (eager, out). */
    static final double BF16_BOUND = 4 * 0x1p-7;
    /**
     * f64 eager written to f32 outputs, any input dtype: only the final f32 rounding remains (half
     * an ulp of a value below 8 is 4.8e-7); measured max 2.4e-7.
     */
    static final double F64_EAGER_BOUND = 1e-6;

    /** Two f64 computations that differ only in summation order (AccuracyCheck's F64Reference vs NumPy). */
    static final double F64_REFERENCE_BOUND = 1e-12;

    private static final AttentionFunction EAGER = EagerAttention.implementation().function();
    private static final AttentionFunction EAGER_F64 = new EagerAttention(EagerAttention.Precision.F64);
    private static final Map<String, AttentionFunction> SDPA = Map.of(
            "sdpa scalar", new SdpaAttention(new ScalarTileKernels()),
            "sdpa " + TileKernels.best().name(), new SdpaAttention(TileKernels.best()));

    static Stream<ReferenceFixture> fixtures() {
        return ReferenceFixture.all().stream();
    }

    static Stream<ReferenceFixture> shiftedFixtures() {
        return fixtures().filter(f -> f.shifted() != null);
    }

    static double bound(DType dt) {
        return switch (dt) {
            case F32 -> F32_BOUND;
            case F16 -> F16_BOUND;
            case BF16 -> BF16_BOUND;
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void eagerMatchesTheFixture(ReferenceFixture f) {
        assertMatches("eager", f, EAGER.forward(f.request()), bound(f.dtype()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void f64EagerMatchesTheFixtureToF32Rounding(ReferenceFixture f) {
        assertMatches("eager f64", f, EAGER_F64.forward(withF32Outputs(f.request())), F64_EAGER_BOUND);
    }

    /** The reference every validation is judged against (AccuracyCheck) is itself checked from outside. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void theAccuracyChecksF64ReferenceMatchesTheFixture(ReferenceFixture f) {
        F64Reference.Values ref = F64Reference.compute(f.request());
        assertThat(maxAbs(ref.out(), f.doubles("out"))).as("F64Reference on %s: max |out - fixture|", f)
                .isLessThanOrEqualTo(F64_REFERENCE_BOUND);
        assertThat(maxAbs(ref.lse(), f.doubles("lse"))).as("F64Reference on %s: max |lse - fixture|", f)
                .isLessThanOrEqualTo(F64_REFERENCE_BOUND);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void sdpaMatchesTheFixture(ReferenceFixture f) {
        SDPA.forEach((name, sdpa) -> assertMatches(name, f, sdpa.forward(f.request()), bound(f.dtype())));
    }

    /** sdpa's math is f32 on inputs that are exact in f32, so with f32 outputs it meets the f32 bound in every dtype. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void sdpaWithF32OutputsMeetsTheF32BoundInEveryDtype(ReferenceFixture f) {
        SDPA.forEach((name, sdpa) -> assertMatches(name + " f32 outputs", f, sdpa.forward(withF32Outputs(f.request())),
                F32_BOUND));
    }

    /** The negative cases: had a mask edge moved by one key, the bound would fail, by far. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shiftedFixtures")
    void aOneKeyMaskShiftBreaksTheBound(ReferenceFixture f) {
        double bound = bound(f.dtype());
        double[] shifted = f.doubles("out_shifted");
        assertThat(maxAbs(f.doubles("out"), shifted)).as("%s: the shifted reference itself", f).isGreaterThan(10 * bound);
        Map<String, AttentionFunction> impls = new TreeMap<>(SDPA);
        impls.put("eager", EAGER);
        impls.forEach((name, impl) -> {
            float[] out = impl.forward(f.request()).out().toFloatArray();
            assertThat(maxAbs(out, shifted)).as("%s against %s's %s-shifted mask", name, f, f.shifted())
                    .isGreaterThan(10 * bound);
        });
    }

    /** sdpa (and eager) decide which keys a row sees with these helpers; NumPy decided by testing every key. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void maskHelpersMatchTheIndependentRanges(ReferenceFixture f) {
        AttentionRequest r = f.request();
        int[] rowsSeen = new int[r.batch()];
        long pairs = 0;
        for (int[] row : f.ranges()) {
            int b = row[0];
            int i = row[1];
            int first = row[2];
            int end = row[3];
            assertThat(i).as("%s: rows of sequence %d in order", f, b).isEqualTo(rowsSeen[b]++);
            int sq = r.seqQ(b);
            int sk = r.seqK(b);
            int lo = r.firstKey(i, sq, sk);
            int hi = r.endKey(i, sq, sk);
            if (first == end) {
                assertThat(hi).as("%s sequence %d row %d sees no key, helpers say [%d, %d)", f, b, i, lo, hi)
                        .isLessThanOrEqualTo(lo);
            } else {
                assertThat(new int[] {lo, hi}).as("%s sequence %d row %d", f, b, i).containsExactly(first, end);
            }
            pairs += end - first;
        }
        for (int b = 0; b < r.batch(); b++) {
            assertThat(rowsSeen[b]).as("%s: ranges of every row of sequence %d", f, b).isEqualTo(r.seqQ(b));
        }
        assertThat(r.unmaskedPairs()).as("%s unmasked pairs", f).isEqualTo(pairs * r.headsQ());
    }

    /** Every file the index implies exists, nothing else does, and none was edited by hand. */
    @Test
    void fixturesAreCompleteAndMatchTheirChecksums() throws IOException, NoSuchAlgorithmException {
        Path dir = ReferenceFixture.directory();
        Set<String> expected = new TreeSet<>(List.of("index.txt"));
        for (ReferenceFixture f : ReferenceFixture.all()) {
            List<String> files = new ArrayList<>(List.of("q", "k", "v", "out", "lse", "ranges"));
            if (f.shifted() != null) {
                files.addAll(List.of("out_shifted", "lse_shifted"));
            }
            files.forEach(file -> expected.add(f.name() + "/" + file + ".npy"));
        }
        Map<String, String> sums = new TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve("SHA256SUMS"))) {
            String[] parts = line.split(" {2}", 2);
            sums.put(parts[1], parts[0]);
        }
        Set<String> present = new TreeSet<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.equals("SHA256SUMS")).forEach(present::add);
        }
        assertThat(present).as("files in %s; %s", dir, ReferenceFixture.REGENERATE).isEqualTo(expected);
        assertThat(sums.keySet()).as("files listed in SHA256SUMS").isEqualTo(expected);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String file : expected) {
            String actual = HexFormat.of().formatHex(sha.digest(Files.readAllBytes(dir.resolve(file))));
            assertThat(actual).as("SHA-256 of %s (edited by hand? %s)", file, ReferenceFixture.REGENERATE)
                    .isEqualTo(sums.get(file));
        }
    }

    @Test
    void fixturesCoverEveryMaskAndLayoutInEveryDtype() {
        Set<String> required = Set.of("causal q<k", "causal q>k", "causal q=k", "window left", "window right",
                "window left+right", "window + causal", "softcap", "explicit scale", "gqa", "mqa", "padding",
                "zero-length keys", "varlen", "fully masked rows", "several tiles", "shifted end", "shifted first");
        for (DType dt : DType.values()) {
            Set<String> seen = new TreeSet<>();
            fixtures().filter(f -> f.dtype() == dt).forEach(f -> seen.addAll(features(f)));
            assertThat(seen).as(dt.id()).containsAll(required);
        }
    }

    private static Set<String> features(ReferenceFixture f) {
        Set<String> s = new TreeSet<>();
        for (int[] len : f.sequenceLengths()) {
            if (f.causal() && len[0] > 0) {
                s.add(len[0] < len[1] ? "causal q<k" : len[0] > len[1] ? "causal q>k" : "causal q=k");
            }
            if (len[1] == 0 && len[0] > 0) {
                s.add("zero-length keys");
            }
        }
        boolean left = f.windowLeft() >= 0;
        boolean right = !f.causal() && f.windowRight() >= 0;
        if (f.causal() && left) {
            s.add("window + causal");
        } else if (left || right) {
            s.add(left && right ? "window left+right" : left ? "window left" : "window right");
        }
        if (f.softcap() > 0) {
            s.add("softcap");
        }
        if (!Double.isNaN(f.scale())) {
            s.add("explicit scale");
        }
        if (f.headsKv() < f.headsQ()) {
            s.add(f.headsKv() == 1 ? "mqa" : "gqa");
        }
        if (f.layout().equals("padded")) {
            s.add("padding");
        }
        if (f.varlen()) {
            s.add("varlen");
        }
        if (Stream.of(f.ranges()).anyMatch(r -> r[2] == r[3])) {
            s.add("fully masked rows");
        }
        if (f.seqQ() > 2 * 64 && f.seqK() > 2 * 64) {
            s.add("several tiles"); // more than two of sdpa's 64-row blocks and key blocks
        }
        if (f.shifted() != null) {
            s.add("shifted " + f.shifted());
        }
        return s;
    }

    private static AttentionRequest withF32Outputs(AttentionRequest r) {
        return r.withOutputs(Tensor.zeros(DType.F32, r.q().shape()), Tensor.zeros(DType.F32, r.lseShape()));
    }

    private static void assertMatches(String impl, ReferenceFixture f, AttentionOutput o, double bound) {
        assertThat(maxAbs(o.out().toFloatArray(), f.doubles("out"))).as("%s on %s: max |out - fixture|", impl, f)
                .isLessThanOrEqualTo(bound);
        assertThat(maxAbs(o.lse().toFloatArray(), f.doubles("lse"))).as("%s on %s: max |lse - fixture|", impl, f)
                .isLessThanOrEqualTo(bound);
    }

    /** Max |actual - expected|; equal infinities (LSE -inf of a row that sees no key) match, any other non-finite is infinite error. */
    static double maxAbs(float[] actual, double[] expected) {
        double[] wide = new double[actual.length];
        for (int i = 0; i < actual.length; i++) {
            wide[i] = actual[i];
        }
        return maxAbs(wide, expected);
    }

    static double maxAbs(double[] actual, double[] expected) {
        assertThat(actual).as("element count").hasSameSizeAs(expected);
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            if (actual[i] == expected[i]) {
                continue; // also the matching infinities
            }
            double d = Math.abs(actual[i] - expected[i]);
            if (!Double.isFinite(d)) {
                return Double.POSITIVE_INFINITY;
            }
            max = Math.max(max, d);
        }
        return max;
    }
}
