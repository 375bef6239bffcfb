package io.kernelhub.models.safetensors;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A checkpoint that cannot be used: a missing or unreadable file, a damaged safetensors header,
 * a tensor that is absent, of an unsupported dtype or of a shape the model does not expect.
 *
 * <p>It is the only exception this package throws for bad input (programming errors such as a
 * null argument or use after {@code close()} stay {@link IllegalArgumentException} and
 * {@link IllegalStateException}). It is unchecked because a caller can do nothing but report it;
 * the CLI maps it to exit status 2. The message reads
 * {@code <file>: tensor '<name>': <what went wrong> (<numbers>); <what to do>}, and the file and
 * the tensor are also available as values.
 */
public final class CheckpointException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Advice for a file whose bytes disagree with its own header. */
    static final String DAMAGED = "the file is damaged or incomplete: download it again";

    private final transient Path file;
    private final String tensor;

    /**
     * @param file    the file (or directory) at fault; may be null only when there is none
     * @param tensor  the tensor at fault, or null when the problem is the file itself
     * @param problem what is wrong, with the numbers that show it
     * @param advice  what the user can do about it, or null
     * @param cause   the underlying exception, or null
     */
    public CheckpointException(Path file, String tensor, String problem, String advice, Throwable cause) {
        super(format(file, tensor, problem, advice), cause);
        this.file = file;
        this.tensor = tensor;
    }

    CheckpointException(Path file, String tensor, String problem, String advice) {
        this(file, tensor, problem, advice, null);
    }

    private static String format(Path file, String tensor, String problem, String advice) {
        StringBuilder sb = new StringBuilder();
        if (file != null) {
            sb.append(file).append(": ");
        }
        if (tensor != null) {
            sb.append("tensor '").append(tensor).append("': ");
        }
        sb.append(problem);
        if (advice != null && !advice.isEmpty()) {
            sb.append("; ").append(advice);
        }
        return sb.toString();
    }

    /** The file (or model directory) the message names. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** The tensor the message names, if the problem is about one tensor. */
    public Optional<String> tensor() {
        return Optional.ofNullable(tensor);
    }
}
