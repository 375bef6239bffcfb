package io.kernelhub.core.attention.sdpa;

import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionCapabilities;
import io.kernelhub.core.attention.AttentionFunction;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Fused, tiled attention with online softmax (FlashAttention's forward algorithm) in pure
 * Java, for machines with no native bundle. Inputs of any dtype are widened to f32 once per
 * key/value head; every (sequence, query head, block of query rows) is an independent task on
 * all cores; only key blocks that intersect some row's visible range are visited, so causal and
 * windowed calls skip fully masked tiles. Accumulation is f32.
 */
public final class SdpaAttention implements AttentionFunction {

    /** Query rows per task. */
    static final int BLOCK_ROWS = 64;
    private static final int MAX_HEAD_DIM = 1024;

    private final TileKernels kernels;

    public SdpaAttention(TileKernels kernels) {
        this.kernels = kernels;
    }

    /** The registered {@code sdpa}, on the fastest tile kernels available. */
    public static AttentionImplementation implementation() {
        TileKernels k = TileKernels.best();
        return new AttentionImplementation("sdpa",
                "fused tiled online-softmax attention in Java (" + k.name() + " kernels), f32 accumulation",
                AttentionCapabilities.cpuAll(MAX_HEAD_DIM), new SdpaAttention(k));
    }

    /** Why the default kernels were chosen (for doctor). */
    public static String kernelChoice() {
        return TileKernels.best().name() + ": " + TileKernelsSelector.reason();
    }

    public TileKernels kernels() {
        return kernels;
    }

    @Override
    public AttentionOutput forward(AttentionRequest r) {
        AttentionOutput outputs = r.allocateOutputs();
        int bc = kernels.blockKeys();
        int dimPad = roundUp(r.headDim(), kernels.dimAlign());
        PackedKv[] packed = new PackedKv[r.batch() * r.headsKv()];
        IntStream.range(0, packed.length).parallel()
                .forEach(i -> packed[i] = PackedKv.pack(r, i / r.headsKv(), i % r.headsKv(), bc, dimPad));

        Tile[] tiles = plan(r, bc);
        // Dynamic scheduling, most expensive tiles first: under causal masks the work per row block
        // grows along the sequence, and a static split of the range would leave a core idle.
        AtomicInteger next = new AtomicInteger();
        int workers = Math.min(tiles.length, ForkJoinPool.getCommonPoolParallelism() + 1);
        IntStream.range(0, workers).parallel().forEach(w -> {
            for (int t = next.getAndIncrement(); t < tiles.length; t = next.getAndIncrement()) {
                Tile tile = tiles[t];
                new TileTask(r, outputs, kernels, packed[tile.b() * r.headsKv() + r.kvHead(tile.h())], tile.b(), tile.h(),
                        tile.row0(), dimPad).run();
            }
        });
        return outputs;
    }

    /** One unit of work: a block of query rows of one head of one sequence, with its key-block count. */
    record Tile(int b, int h, int row0, int keyBlocks) {
    }

    /** All tiles of a request, most key blocks first. */
    static Tile[] plan(AttentionRequest r, int bc) {
        List<Tile> tiles = new ArrayList<>();
        for (int b = 0; b < r.batch(); b++) {
            int sq = r.seqQ(b);
            int sk = r.seqK(b);
            for (int row0 = 0; row0 < sq; row0 += BLOCK_ROWS) {
                int last = Math.min(sq, row0 + BLOCK_ROWS) - 1;
                // the mask is a band, so the first row's start and the last row's end bound the block
                int lo = r.firstKey(row0, sq, sk);
                int hi = r.endKey(last, sq, sk);
                int blocks = hi > lo ? ceilDiv(hi, bc) - lo / bc : 0;
                for (int h = 0; h < r.headsQ(); h++) {
                    tiles.add(new Tile(b, h, row0, blocks));
                }
            }
        }
        tiles.sort(Comparator.comparingInt(Tile::keyBlocks).reversed());
        return tiles.toArray(Tile[]::new);
    }

    static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    static int ceilDiv(int x, int m) {
        return (x + m - 1) / m;
    }

    /**
     * One key/value head of one sequence widened to f32: keys transposed per block
     * ({@code [block][dimPad][blockKeys]}) and values row-major ({@code [key][dimPad]}), zero
     * padded to whole blocks.
     */
    record PackedKv(float[] kt, float[] v, int keys) {
        static PackedKv pack(AttentionRequest r, int b, int hkv, int bc, int dimPad) {
            int sk = r.seqK(b);
            int d = r.headDim();
            int blocks = ceilDiv(sk, bc);
            float[] kt = new float[blocks * dimPad * bc];
            float[] v = new float[blocks * bc * dimPad];
            float[] row = new float[d];
            long ks = AttentionRequest.dimStride(r.k());
            long vs = AttentionRequest.dimStride(r.v());
            for (int j = 0; j < sk; j++) {
                r.k().readFloats(r.kRow(b, j, hkv), ks, row, 0, d);
                int base = (j / bc) * dimPad * bc + (j % bc);
                for (int c = 0; c < d; c++) {
                    kt[base + c * bc] = row[c];
                }
                r.v().readFloats(r.vRow(b, j, hkv), vs, v, j * dimPad, d);
            }
            return new PackedKv(kt, v, sk);
        }
    }

    /** One block of query rows of one head: online softmax over the visible key blocks. */
    private static final class TileTask {
        private final AttentionRequest r;
        private final AttentionOutput outputs;
        private final TileKernels k;
        private final PackedKv kv;
        private final int b;
        private final int h;
        private final int row0;
        private final int dimPad;

        TileTask(AttentionRequest r, AttentionOutput outputs, TileKernels k, PackedKv kv, int b, int h, int row0,
                 int dimPad) {
            this.r = r;
            this.outputs = outputs;
            this.k = k;
            this.kv = kv;
            this.b = b;
            this.h = h;
            this.row0 = row0;
            this.dimPad = dimPad;
        }

        void run() {
            int sq = r.seqQ(b);
            int sk = kv.keys();
            int d = r.headDim();
            int bc = k.blockKeys();
            int valid = Math.min(BLOCK_ROWS, sq - row0);
            int rows = roundUp(valid, 4);

            // visible key range of every row (monotone in the row index: the mask is a band)
            int[] lo = new int[rows];
            int[] hi = new int[rows];
            for (int i = 0; i < rows; i++) {
                int qi = row0 + Math.min(i, valid - 1); // padding rows copy the last real row
                lo[i] = r.firstKey(qi, sq, sk);
                hi[i] = r.endKey(qi, sq, sk);
            }
            int keyLo = sk;
            int keyHi = 0;
            for (int i = 0; i < valid; i++) {
                if (lo[i] < hi[i]) {
                    keyLo = Math.min(keyLo, lo[i]);
                    keyHi = Math.max(keyHi, hi[i]);
                }
            }

            float[] q = new float[rows * dimPad];
            float scale = (float) r.scale();
            long qs = AttentionRequest.dimStride(r.q());
            for (int i = 0; i < valid; i++) {
                r.q().readFloats(r.qRow(b, row0 + i, h), qs, q, i * dimPad, d);
                for (int c = 0; c < d; c++) {
                    q[i * dimPad + c] *= scale;
                }
            }
            float[] s = new float[rows * bc];
            float[] o = new float[rows * dimPad];
            float[] m = new float[rows];
            float[] l = new float[rows];
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
            float cap = r.softcap();

            for (int blk = keyLo / bc; keyLo < keyHi && blk * bc < keyHi; blk++) {
                int kStart = blk * bc;
                int kEnd = kStart + bc;
                k.scores(q, rows, dimPad, kv.kt(), blk * dimPad * bc, s);
                if (cap > 0) {
                    k.softcap(s, rows * bc, cap);
                }
                boolean partial = lo[rows - 1] > kStart || hi[0] < kEnd;
                for (int i = 0; i < rows; i++) {
                    int so = i * bc;
                    if (partial) {
                        int a = Math.clamp(lo[i] - kStart, 0, bc);
                        int z = Math.clamp(hi[i] - kStart, a, bc);
                        Arrays.fill(s, so, so + a, Float.NEGATIVE_INFINITY);
                        Arrays.fill(s, so + z, so + bc, Float.NEGATIVE_INFINITY);
                    }
                    float mNew = Math.max(m[i], k.max(s, so, bc));
                    if (mNew == Float.NEGATIVE_INFINITY) {
                        Arrays.fill(s, so, so + bc, 0f); // nothing visible yet in this row
                        continue;
                    }
                    float correction = (float) Math.exp(m[i] - mNew);
                    float sum = k.expAndSum(s, so, bc, mNew);
                    if (correction != 1f) {
                        k.scale(o, i * dimPad, dimPad, correction);
                    }
                    l[i] = l[i] * correction + sum;
                    m[i] = mNew;
                }
                k.accumulate(s, rows, kv.v(), kStart * dimPad, dimPad, o);
            }

            Tensor out = outputs.out();
            long os = AttentionRequest.dimStride(out);
            Tensor lse = outputs.lse();
            for (int i = 0; i < valid; i++) {
                float inv = l[i] > 0 ? 1f / l[i] : 0f; // fully masked row: zeros
                k.scale(o, i * dimPad, d, inv);
                out.writeFloats(r.outRow(out, b, row0 + i, h), os, o, i * dimPad, d);
                if (lse != null) {
                    float value = l[i] > 0 ? m[i] + (float) Math.log(l[i]) : Float.NEGATIVE_INFINITY;
                    lse.setAt(r.lseIndex(lse, b, h, row0 + i), value);
                }
            }
        }
    }
}
