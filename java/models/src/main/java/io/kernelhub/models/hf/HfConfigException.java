package io.kernelhub.models.hf;

import java.nio.file.Path;

/**
 * A Hugging Face model directory kernelhub cannot use: the message names the file, the field and
 * what to do. The CLI prints it as one line (exit 2).
 */
public final class HfConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public HfConfigException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public HfConfigException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
