package io.kernelhub.models.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The reference's building blocks against values worked out by hand. */
class LlamaReferenceBlocksTest {

    private static LlamaReferenceConfig config(int heads, int kvHeads, int headDim, double theta,
            LlamaReferenceConfig.Llama3Scaling scaling) {
        return new LlamaReferenceConfig(16, 32, 48, 1, heads, kvHeads, headDim, 1e-6, theta, scaling, false, false,
                false, 8192);
    }

    /** HF's rotate_half pairs element i with i + d/2 (not the interleaved 2i, 2i+1 of the original RoPE paper). */
    @Test
    void rotateHalfNegatesTheSecondHalfIntoTheFirst() {
        assertThat(LlamaReference.rotateHalf(new double[] {1, 2, 3, 4})).containsExactly(-3, -4, 1, 2);
        assertThat(LlamaReference.rotateHalf(new double[] {1, 2, 3, 4, 5, 6})).containsExactly(-4, -5, -6, 1, 2, 3);
    }

    /**
     * A 4-dim head at position 1, theta 10000: inv_freq = (1, 10000^-0.5 = 0.01), cos/sin =
     * cat(freqs, freqs), so (x0, x2) turn by 1 rad and (x1, x3) by 0.01 rad.
     */
    @Test
    void rotaryEmbeddingOfAFourDimHead() {
        LlamaReferenceConfig c = config(1, 1, 4, 10000, null);
        assertThat(LlamaReference.inverseFrequencies(c, Precision.F64)).containsExactly(new double[] {1, 0.01},
                offset(1e-16));
        double[][][] tables = LlamaReference.rotaryTables(c, 3, Precision.F64);
        assertThat(tables[0][0]).containsExactly(1, 1, 1, 1);
        assertThat(tables[1][0]).containsExactly(0, 0, 0, 0);
        double[] cos = tables[0][1], sin = tables[1][1];
        assertThat(cos).containsExactly(new double[] {Math.cos(1), Math.cos(0.01), Math.cos(1), Math.cos(0.01)},
                offset(1e-15));
        assertThat(sin).containsExactly(new double[] {Math.sin(1), Math.sin(0.01), Math.sin(1), Math.sin(0.01)},
                offset(1e-15));
        double[] x = {1, 2, 3, 4};
        double[] out = LlamaReference.applyRotary(x, cos, sin, Precision.F64);
        assertThat(out).containsExactly(new double[] {
                1 * Math.cos(1) - 3 * Math.sin(1),
                2 * Math.cos(0.01) - 4 * Math.sin(0.01),
                3 * Math.cos(1) + 1 * Math.sin(1),
                4 * Math.cos(0.01) + 2 * Math.sin(0.01)}, offset(1e-14));
        // position 2 is position 1 applied twice (a rotation), in float64
        double[] twice = LlamaReference.applyRotary(out, cos, sin, Precision.F64);
        assertThat(LlamaReference.applyRotary(x, tables[0][2], tables[1][2], Precision.F64))
                .containsExactly(twice, offset(1e-14));
    }

    /**
     * _compute_llama3_parameters on head_dim 8, theta 10000 (inv_freq 1, 0.1, 0.01, 0.001),
     * factor 8, low 1, high 4, original 1024: wavelengths 2 pi (1, 10, 100, 1000) against the
     * bands 256 (= 1024 / 4) and 1024 (= 1024 / 1). The first two are kept, 200 pi = 628.3 is
     * blended with s = (1024 / (200 pi) - 1) / 3 = 0.2099155390870..., giving
     * 0.01 ((1 - s) / 8 + s) = 0.003086760967011..., and 2000 pi = 6283 is divided by 8.
     */
    @Test
    void llama3InverseFrequenciesByHand() {
        var scaling = new LlamaReferenceConfig.Llama3Scaling(8, 1, 4, 1024);
        double[] inv = LlamaReference.inverseFrequencies(config(4, 4, 8, 10000, scaling), Precision.F64);
        assertThat(inv).containsExactly(new double[] {1, 0.1, 0.003086760967011274, 0.001 / 8}, offset(1e-15));
        // Without rope_scaling the same config keeps every frequency.
        assertThat(LlamaReference.inverseFrequencies(config(4, 4, 8, 10000, null), Precision.F64))
                .containsExactly(new double[] {1, 0.1, 0.01, 0.001}, offset(1e-15));
        // In the rounded precisions inv_freq is a float32 buffer: every entry a float32 value.
        for (double f : LlamaReference.inverseFrequencies(config(4, 4, 8, 10000, scaling), Precision.BF16)) {
            assertThat((double) (float) f).isEqualTo(f);
        }
    }

    /** RMSNorm: mean(x^2) = 30/4 = 7.5, plus eps 0.5 is 8, so x / (2 sqrt 2), times the weight. */
    @Test
    void rmsNormByHand() {
        double[] out = LlamaReference.rmsNorm(new double[] {1, 2, 3, 4}, new double[] {1, 1, 2, 0.5}, 0.5,
                Precision.F64);
        double r = 1 / Math.sqrt(8);
        assertThat(out).containsExactly(new double[] {r, 2 * r, 6 * r, 2 * r}, offset(1e-15));
        // In bf16 every output is a bf16 value, within bf16's half-unit of the exact one.
        double[] bf = LlamaReference.rmsNorm(new double[] {1, 2, 3, 4}, new double[] {1, 1, 2, 0.5}, 0.5,
                Precision.BF16);
        for (int i = 0; i < 4; i++) {
            assertThat(LowPrecision.bf16(bf[i])).isEqualTo(bf[i]);
            assertThat(bf[i]).isCloseTo(out[i], offset(Math.abs(out[i]) * 0x1p-7));
        }
    }

    /** repeat_kv: each kv head serves heads / kvHeads consecutive query heads. */
    @Test
    void gqaMapsConsecutiveQueryHeadsToOneKvHead() {
        int[] gqa = new int[8];
        for (int h = 0; h < 8; h++) {
            gqa[h] = LlamaReference.kvHead(h, 8, 2);
        }
        assertThat(gqa).containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
        assertThat(LlamaReference.kvHead(3, 4, 4)).isEqualTo(3);
        assertThat(LlamaReference.kvHead(5, 6, 1)).isZero();
        assertThat(LlamaReference.kvHead(5, 6, 3)).isEqualTo(2);
    }

    /**
     * Causal attention, 2 positions, 2 query heads sharing 1 kv head, head_dim 2 (scale 1/sqrt 2):
     * position 0 sees only itself (output = v0); position 1 of head 0 with q = (sqrt 2 ln 3, 0),
     * k0 = (0, 1), k1 = (1, 0) scores 0 and ln 3, weights 1/4 and 3/4.
     */
    @Test
    void causalAttentionByHand() {
        double a = Math.sqrt(2) * Math.log(3);
        double[][] q = {{5, -1, 2, 7}, {a, 0, 0, 0}};
        double[][] k = {{0, 1}, {1, 0}};
        double[][] v = {{4, 8}, {-4, 12}};
        double[][] out = LlamaReference.causalAttention(q, k, v, 2, 1, 2, Precision.F64);
        assertThat(out[0]).containsExactly(4, 8, 4, 8);
        assertThat(out[1][0]).isCloseTo(0.25 * 4 + 0.75 * -4, offset(1e-14));
        assertThat(out[1][1]).isCloseTo(0.25 * 8 + 0.75 * 12, offset(1e-14));
        // head 1 at position 1: q = (0, 0) scores both 0, so the mean of v0 and v1
        assertThat(out[1][2]).isCloseTo(0, offset(1e-14));
        assertThat(out[1][3]).isCloseTo(10, offset(1e-14));
    }

    @Test
    void siluByHand() {
        assertThat(LlamaReference.silu(0)).isZero();
        assertThat(LlamaReference.silu(Math.log(3))).isCloseTo(Math.log(3) * 0.75, offset(1e-15));
        assertThat(LlamaReference.silu(-Math.log(3))).isCloseTo(-Math.log(3) * 0.25, offset(1e-15));
    }

    @Test
    void configDefaultsFollowLlamaConfig() throws Exception {
        var m = new ObjectMapper();
        LlamaReferenceConfig c = LlamaReferenceConfig.parse(m.readTree("""
                {"vocab_size": 10, "hidden_size": 12, "intermediate_size": 7, "num_hidden_layers": 1,
                 "num_attention_heads": 3, "head_dim": null}"""));
        assertThat(c.numKeyValueHeads()).isEqualTo(3);
        assertThat(c.headDim()).isEqualTo(4);
        assertThat(c.rmsNormEps()).isEqualTo(1e-6);
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.ropeScaling()).isNull();
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.attentionBias()).isFalse();
        assertThat(c.mlpBias()).isFalse();
        assertThat(c.maxPositionEmbeddings()).isEqualTo(2048);

        LlamaReferenceConfig old = LlamaReferenceConfig.parse(m.readTree("""
                {"vocab_size": 10, "hidden_size": 16, "intermediate_size": 7, "num_hidden_layers": 1,
                 "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "rope_theta": 500000.0,
                 "rope_scaling": {"type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 8192}}"""));
        assertThat(old.ropeScaling()).isEqualTo(new LlamaReferenceConfig.Llama3Scaling(8, 1, 4, 8192));
        assertThat(old.headDim()).as("head_dim set apart from hidden / heads").isEqualTo(8);

        LlamaReferenceConfig v5 = LlamaReferenceConfig.parse(m.readTree("""
                {"vocab_size": 10, "hidden_size": 16, "intermediate_size": 7, "num_hidden_layers": 1,
                 "num_attention_heads": 4, "rope_parameters": {"rope_type": "default", "rope_theta": 1000.0}}"""));
        assertThat(v5.ropeTheta()).isEqualTo(1000.0);
        assertThat(v5.ropeScaling()).isNull();

        assertThatThrownBy(() -> LlamaReferenceConfig.parse(m.readTree("""
                {"vocab_size": 10, "hidden_size": 16, "intermediate_size": 7, "num_hidden_layers": 1,
                 "num_attention_heads": 4, "rope_scaling": {"rope_type": "yarn", "factor": 4.0}}""")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("yarn");
        assertThatThrownBy(() -> LlamaReferenceConfig.parse(m.readTree("""
                {"vocab_size": 10, "hidden_size": 16, "intermediate_size": 7, "num_hidden_layers": 1,
                 "num_attention_heads": 4, "hidden_act": "gelu"}""")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gelu");
        assertThatThrownBy(() -> LlamaReferenceConfig.parse(m.readTree("""
                {"vocab_size": 10, "hidden_size": 16, "intermediate_size": 7, "num_hidden_layers": 1,
                 "num_attention_heads": 4, "num_key_value_heads": 3}""")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("num_key_value_heads");
    }
}
