package io.kernelhub.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The prompt as token ids, and how generated ids are shown (text when the model has a tokenizer). */
final class PromptText {

    private final int[] ids;

    private PromptText(int[] ids) {
        this.ids = ids;
    }

    static PromptText of(Path modelDir, String text, int[] tokens) {
        if (text != null) {
            throw new IllegalArgumentException(modelDir + " has no tokenizer.json: pass token ids with --tokens");
        }
        return new PromptText(tokens.clone());
    }

    int[] ids() {
        return ids;
    }

    /** What is printed before the generated text. */
    String echo() {
        return "";
    }

    String decode(int[] generated) {
        return null;
    }

    Stream stream() {
        return new Stream();
    }

    /** Generated ids to printable pieces, one per token. */
    static final class Stream {
        private boolean first = true;

        String next(int id) {
            String s = (first ? "" : " ") + id;
            first = false;
            return s;
        }

        String finish() {
            return "";
        }
    }

    static String join(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }
}
