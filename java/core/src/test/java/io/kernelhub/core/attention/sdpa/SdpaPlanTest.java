package io.kernelhub.core.attention.sdpa;

import static org.assertj.core.api.Assertions.assertThat;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionRequest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The work plan: which key blocks each row block visits (fully masked tiles are never visited). */
class SdpaPlanTest {

    private static AttentionRequest.Builder request(int sq, int sk, int heads) {
        return AttentionRequest.builder(Tensor.zeros(DType.F32, 1, sq, heads, 8), Tensor.zeros(DType.F32, 1, sk, heads, 8),
                Tensor.zeros(DType.F32, 1, sk, heads, 8));
    }

    @Test
    void causalRowBlocksVisitOnlyTheBlocksUpToTheDiagonalMostExpensiveFirst() {
        int bc = 64;
        SdpaAttention.Tile[] tiles = SdpaAttention.plan(request(256, 256, 2).causal(true).build(), bc);
        assertThat(tiles).hasSize(4 * 2);
        for (SdpaAttention.Tile t : tiles) {
            assertThat(t.keyBlocks()).isEqualTo(t.row0() / 64 + 1);
        }
        int[] costs = Arrays.stream(tiles).mapToInt(SdpaAttention.Tile::keyBlocks).toArray();
        assertThat(costs).containsExactly(4, 4, 3, 3, 2, 2, 1, 1);
        // full attention: every row block sees all 4 key blocks
        assertThat(SdpaAttention.plan(request(256, 256, 1).build(), bc)).allMatch(t -> t.keyBlocks() == 4);
    }

    @Test
    void slidingWindowsVisitOnlyTheBand() {
        // window (16, 0) on 512 x 512: a row block of 64 rows sees at most keys [row0 - 16, row0 + 64)
        SdpaAttention.Tile[] tiles = SdpaAttention.plan(request(512, 512, 1).window(16, 0).build(), 64);
        for (SdpaAttention.Tile t : tiles) {
            assertThat(t.keyBlocks()).isEqualTo(t.row0() == 0 ? 1 : 2);
        }
    }

    @Test
    void rowsThatSeeNoKeyCostNothing() {
        // seq_q 128 > seq_k 32 with causal: the first 96 rows are fully masked
        SdpaAttention.Tile[] tiles = SdpaAttention.plan(request(128, 32, 1).causal(true).build(), 64);
        assertThat(Arrays.stream(tiles).filter(t -> t.row0() == 0).findFirst().orElseThrow().keyBlocks()).isZero();
        assertThat(Arrays.stream(tiles).filter(t -> t.row0() == 64).findFirst().orElseThrow().keyBlocks()).isEqualTo(1);
    }
}
