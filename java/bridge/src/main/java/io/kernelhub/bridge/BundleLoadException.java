package io.kernelhub.bridge;

import io.kernelhub.core.attention.KernelResolutionException;
import java.util.List;

/**
 * A kernel could not be loaded. Like Netty's native loading, every attempt (each candidate
 * library and why it failed) is kept and shown in one message, so nothing is lost.
 */
public final class BundleLoadException extends KernelResolutionException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> attempts;

    public BundleLoadException(String what, List<String> attempts, String advice) {
        super(what + (attempts.isEmpty() ? "" : attempts.size() == 1 ? ": " + attempts.getFirst()
                : ". Tried:\n  - " + String.join("\n  - ", attempts)) + (advice == null ? "" : "\n" + advice));
        this.attempts = List.copyOf(attempts);
    }

    public List<String> attempts() {
        return attempts;
    }
}
