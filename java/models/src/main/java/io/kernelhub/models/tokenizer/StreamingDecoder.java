package io.kernelhub.models.tokenizer;

import java.util.Arrays;

/**
 * Turns generated token ids, fed one at a time, into text as soon as it is complete. A character
 * whose UTF-8 bytes span several tokens (é, 日本, emoji in a byte-level vocabulary) is held back
 * until its last byte arrives, so no piece ever carries a U+FFFD that the whole text would not;
 * the pieces concatenated equal {@link TextTokenizer#decode} of all the ids.
 *
 * <p>How: the decoder keeps a short window of ids, {@code [prefix, read)} already emitted and
 * {@code [read, end)} not yet. Each step decodes the window with and without the new ids and
 * emits the difference minus any trailing U+FFFD (an incomplete character). Decoding with the
 * already-emitted prefix as context keeps decoders that treat a sequence's first token
 * specially (SentencePiece's leading space) from changing the text. Once all pending ids decode
 * to whole characters, the window moves on, so each step costs a few tokens whatever the length
 * of the generation. Not thread-safe: one decoder per generated sequence.
 */
public final class StreamingDecoder {

    private static final char REPLACEMENT = '\uFFFD';

    private final TextTokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private int[] ids = new int[16];
    private int size;
    /** Window start; ids before it are dropped. */
    private int prefix;
    /** Ids before this are emitted in full. */
    private int read;
    /** The text of [prefix, read), decoded on its own. */
    private String prefixText = "";
    /** Characters beyond prefixText already emitted from [read, size). */
    private int emittedPending;

    StreamingDecoder(TextTokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /**
     * Feeds one id.
     *
     * @return the text this id completes; empty while a character is still incomplete
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String push(int id) {
        if (id < 0 || id >= tokenizer.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                    + tokenizer.vocabSize() + ") of " + tokenizer.file());
        }
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, ids.length * 2);
        }
        ids[size++] = id;
        String text = decode(prefix, size);
        int stable = text.length();
        while (stable > 0 && text.charAt(stable - 1) == REPLACEMENT) {
            stable--; // an incomplete character so far (or a real U+FFFD: then it waits for the next id or flush)
        }
        int from = prefixText.length() + emittedPending;
        String out = stable > from ? text.substring(from, stable) : "";
        if (stable == text.length()) {
            advance();
        } else {
            emittedPending += out.length();
        }
        return out;
    }

    /**
     * Ends the sequence: returns whatever is held back (an incomplete character comes out as
     * U+FFFD, as in {@link TextTokenizer#decode}) and starts afresh.
     */
    public String flush() {
        String text = decode(prefix, size);
        int from = Math.min(text.length(), prefixText.length() + emittedPending);
        String out = text.substring(from);
        size = 0;
        prefix = 0;
        read = 0;
        prefixText = "";
        emittedPending = 0;
        return out;
    }

    /** Everything fed is emitted: the pending ids become the context of the next step. */
    private void advance() {
        int newPrefix = read;
        read = size;
        // drop ids before the new window so that memory and work stay bounded
        System.arraycopy(ids, newPrefix, ids, 0, size - newPrefix);
        size -= newPrefix;
        read -= newPrefix;
        prefix = 0;
        prefixText = decode(prefix, read);
        emittedPending = 0;
    }

    private String decode(int from, int to) {
        return from == to ? "" : tokenizer.decode(Arrays.copyOfRange(ids, from, to), skipSpecialTokens);
    }
}
