package io.kernelhub.models.hf;

import java.nio.charset.StandardCharsets;

/**
 * {@link java.util.SplittableRandom}'s generator (SplitMix64) used counter-style: output
 * {@code i} of {@code new SplittableRandom(seed).nextLong()} is {@link #at at(seed, i)}, so any
 * block of a tensor's values can be produced on its own, on any thread, and the files do not
 * depend on how the writing is split up. Written out here rather than called so that the bytes
 * cannot change with the JDK.
 */
final class SplitMix {

    /** SplittableRandom's default gamma (the odd integer nearest 2^64 / golden ratio). */
    static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private SplitMix() {
    }

    /** The SplitMix64 finaliser (Stafford's variant 13). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Output {@code index} (from 0) of the stream seeded with {@code seed}. */
    static long at(long seed, long index) {
        return mix64(seed + (index + 1) * GOLDEN_GAMMA);
    }

    /** Uniform in [0, 1) from the top 24 bits (every float of that grid is equally likely). */
    static float unit(long bits) {
        return (bits >>> 40) * 0x1.0p-24f;
    }

    /** A stream seed for one named item of a seeded whole: the seed and the name's 64-bit FNV-1a hash. */
    static long seedFor(long seed, String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix64(seed ^ mix64(h));
    }

    /** A sequential stream, for the few places that draw one value after another. */
    static final class Stream {
        private final long seed;
        private long index;

        Stream(long seed) {
            this.seed = seed;
        }

        long nextLong() {
            return at(seed, index++);
        }

        /** Uniform in [0, bound), by multiply-shift (bias below 2^-32 for the bounds used here). */
        int nextInt(int bound) {
            return (int) (((nextLong() >>> 32) * bound) >>> 32);
        }
    }
}
