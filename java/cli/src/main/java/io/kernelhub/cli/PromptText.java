package io.kernelhub.cli;

import io.kernelhub.models.CausalLM;
import io.kernelhub.models.tokenizer.StreamingDecoder;
import io.kernelhub.models.tokenizer.TextTokenizer;
import java.nio.file.Path;

/**
 * The prompt as token ids, and how generated ids are shown: text through the model's
 * tokenizer.json when it has one, else the ids themselves.
 */
final class PromptText {

    private final int[] ids;
    private final TextTokenizer tokenizer;
    private final String text;

    private PromptText(int[] ids, TextTokenizer tokenizer, String text) {
        this.ids = ids;
        this.tokenizer = tokenizer;
        this.text = text;
    }

    /**
     * @param text   the --prompt text (encoded with special tokens, as transformers' pipelines do), or null
     * @param tokens the --tokens ids, or null
     */
    static PromptText of(CausalLM model, Path modelDir, String text, int[] tokens) {
        TextTokenizer tokenizer = model.tokenizer().orElse(null);
        if (text != null) {
            if (tokenizer == null) {
                throw new IllegalArgumentException(modelDir + " has no " + TextTokenizer.FILE
                        + ": pass token ids with --tokens instead of --prompt");
            }
            int[] encoded = tokenizer.encode(text, true);
            if (encoded.length == 0) {
                throw new IllegalArgumentException("--prompt encodes to no tokens: give some text");
            }
            return new PromptText(encoded, tokenizer, text);
        }
        return new PromptText(tokens.clone(), tokenizer, null);
    }

    int[] ids() {
        return ids;
    }

    /** What is printed before the generated text: the prompt text, when one was given. */
    String echo() {
        return text == null ? "" : text;
    }

    /** The generated text, or null without a tokenizer. */
    String decode(int[] generated) {
        return tokenizer == null ? null : tokenizer.decode(generated, true);
    }

    Stream stream() {
        return new Stream(tokenizer == null ? null : tokenizer.streamingDecoder(true));
    }

    /** Generated ids to printable pieces, one per token: text as it completes, or the ids. */
    static final class Stream {
        private final StreamingDecoder decoder;
        private boolean first = true;

        Stream(StreamingDecoder decoder) {
            this.decoder = decoder;
        }

        String next(int id) {
            if (decoder != null) {
                return decoder.push(id);
            }
            String s = (first ? "" : " ") + id;
            first = false;
            return s;
        }

        String finish() {
            return decoder == null ? "" : decoder.flush();
        }
    }
}
