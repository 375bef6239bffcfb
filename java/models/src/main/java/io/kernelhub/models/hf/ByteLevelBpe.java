package io.kernelhub.models.hf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A byte-level BPE vocabulary of an exact size, built without any download: the 256 byte tokens,
 * then merges learned from a small built-in English corpus (so ordinary English text becomes
 * multi-byte tokens, as with a real tokenizer), then deterministic synthetic merges of existing
 * tokens until the size is reached (so every id of a model's embedding has a token).
 *
 * <p>Tokens are spelled in GPT-2's byte-level alphabet (each byte one printable character:
 * space is {@code Ġ}, newline {@code Ċ}), as tokenizer.json stores them.
 */
final class ByteLevelBpe {

    /** GPT-2's pre-tokenizer pattern: what the ByteLevel pre-tokenizer splits words with when use_regex is true. */
    static final Pattern WORDS = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Merges learned from the corpus at most; the rest of a large vocabulary is synthetic. */
    static final int MAX_LEARNED_MERGES = 4000;
    /** Synthetic tokens are at most this many characters (bytes). */
    private static final int MAX_SYNTHETIC_LENGTH = 12;
    private static final long SYNTHETIC_SEED = 0x6b65726e656c6875L;

    private static final char[] BYTE_TO_CHAR = byteToChar();

    /** One merge rule: the two tokens that become {@code left + right}. */
    record Merge(String left, String right) {
    }

    /**
     * Tokens by rank (the 256 bytes first, then each merge's result in merge order) and the
     * merges in priority order.
     *
     * @param learnedMerges how many of the merges came from the corpus (the others are synthetic)
     */
    record Vocabulary(List<String> tokens, List<Merge> merges, int learnedMerges) {
        Vocabulary {
            tokens = List.copyOf(tokens);
            merges = List.copyOf(merges);
        }
    }

    private ByteLevelBpe() {
    }

    /**
     * Exactly {@code size} distinct tokens (256 bytes + {@code size - 256} merges). The result
     * depends on {@code size} alone; a smaller vocabulary's merges are a prefix of a larger one's
     * learned merges.
     */
    static Vocabulary build(int size) {
        if (size < 256) {
            throw new IllegalArgumentException("a byte-level BPE vocabulary needs the 256 byte tokens; asked for " + size);
        }
        Builder b = new Builder();
        b.learn(corpus(), Math.min(size - 256, MAX_LEARNED_MERGES));
        int learned = b.merges.size();
        b.synthesize(size);
        return new Vocabulary(b.tokens, b.merges, learned);
    }

    /** A string as byte-level characters (its UTF-8 bytes, one character each). */
    static String encodeBytes(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xff]);
        }
        return sb.toString();
    }

    /** The character that stands for byte {@code b}. */
    static char byteChar(int b) {
        return BYTE_TO_CHAR[b];
    }

    /**
     * GPT-2's map: printable Latin-1 bytes ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) stand for
     * themselves, the other 68 bytes for U+0100 upward in byte order.
     */
    private static char[] byteToChar() {
        char[] map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
            map[b] = (char) (printable ? b : next++);
        }
        return map;
    }

    private static String corpus() {
        try (InputStream in = ByteLevelBpe.class.getResourceAsStream("bpe-corpus.txt")) {
            Objects.requireNonNull(in, "bpe-corpus.txt is missing from the kernelhub-models jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the built-in BPE corpus: " + e.getMessage(), e);
        }
    }

    /** The growing vocabulary: tokens by id, their ids, and the merges so far. */
    private static final class Builder {
        final List<String> tokens = new ArrayList<>();
        final Map<String, Integer> ids = new HashMap<>();
        final List<Merge> merges = new ArrayList<>();

        Builder() {
            for (int b = 0; b < 256; b++) {
                add(String.valueOf(BYTE_TO_CHAR[b]));
            }
        }

        private int add(String token) {
            Integer id = ids.get(token);
            if (id != null) {
                return id;
            }
            tokens.add(token);
            ids.put(token, tokens.size() - 1);
            return tokens.size() - 1;
        }

        /**
         * Classic BPE training on the corpus's pre-tokenized words: repeatedly merge the most
         * frequent adjacent pair (ties: the pair of lowest ids) while it occurs at least twice.
         */
        void learn(String corpus, int maxMerges) {
            Map<String, Integer> counts = new TreeMap<>();
            Matcher m = WORDS.matcher(corpus);
            while (m.find()) {
                counts.merge(encodeBytes(m.group()), 1, Integer::sum);
            }
            List<int[]> words = new ArrayList<>();
            List<Integer> freq = new ArrayList<>();
            for (var e : counts.entrySet()) {
                words.add(e.getKey().chars().map(c -> ids.get(String.valueOf((char) c))).toArray());
                freq.add(e.getValue());
            }
            while (merges.size() < maxMerges) {
                Map<Long, Integer> pairs = new HashMap<>();
                for (int w = 0; w < words.size(); w++) {
                    int[] s = words.get(w);
                    for (int i = 0; i + 1 < s.length; i++) {
                        pairs.merge(((long) s[i] << 32) | s[i + 1], freq.get(w), Integer::sum);
                    }
                }
                long best = -1;
                int bestCount = 1;
                for (var e : pairs.entrySet()) {
                    if (e.getValue() > bestCount || (e.getValue() == bestCount && bestCount > 1 && e.getKey() < best)) {
                        best = e.getKey();
                        bestCount = e.getValue();
                    }
                }
                if (best < 0) {
                    return; // no pair occurs twice: the corpus has taught all it can
                }
                int left = (int) (best >>> 32);
                int right = (int) best;
                merges.add(new Merge(tokens.get(left), tokens.get(right)));
                int merged = add(tokens.get(left) + tokens.get(right));
                for (int w = 0; w < words.size(); w++) {
                    words.set(w, replace(words.get(w), left, right, merged));
                }
            }
        }

        private static int[] replace(int[] s, int left, int right, int merged) {
            int[] out = new int[s.length];
            int n = 0;
            for (int i = 0; i < s.length; i++) {
                if (i + 1 < s.length && s[i] == left && s[i + 1] == right) {
                    out[n++] = merged;
                    i++;
                } else {
                    out[n++] = s[i];
                }
            }
            return n == s.length ? s : Arrays.copyOf(out, n);
        }

        /**
         * Fills the vocabulary to {@code size} with merges of letter tokens (a word start, with or
         * without its leading space, followed by a lower-case continuation), drawn from a fixed seed:
         * the new tokens read as made-up words, so a random model's output stays legible.
         */
        void synthesize(int size) {
            char space = BYTE_TO_CHAR[' '];
            List<String> starts = new ArrayList<>();
            List<String> continuations = new ArrayList<>();
            for (String t : tokens) {
                boolean spaced = t.length() > 1 && t.charAt(0) == space;
                if (letters(spaced ? t.substring(1) : t, false)) {
                    starts.add(t);
                }
                if (letters(t, true)) {
                    continuations.add(t);
                }
            }
            SplitMix.Stream random = new SplitMix.Stream(SYNTHETIC_SEED);
            while (tokens.size() < size) {
                String left = starts.get(random.nextInt(starts.size()));
                String right = continuations.get(random.nextInt(continuations.size()));
                String token = left + right;
                if (token.length() > MAX_SYNTHETIC_LENGTH || ids.containsKey(token)) {
                    continue;
                }
                merges.add(new Merge(left, right));
                add(token);
                starts.add(token);
                if (letters(token, true)) {
                    continuations.add(token);
                }
            }
        }

        /** Whether {@code s} is ASCII letters only (lower-case only when asked). */
        private static boolean letters(String s, boolean lowerOnly) {
            return !s.isEmpty() && s.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (!lowerOnly && c >= 'A' && c <= 'Z'));
        }
    }
}
