package io.kernelhub.core.attention;

/**
 * A named attention function with its declared capabilities.
 *
 * @param name         registry name ({@code eager}, {@code sdpa}, or a hub id)
 * @param description  one line for listings
 * @param capabilities what it can serve
 * @param function     the entry point
 */
public record AttentionImplementation(String name, String description, AttentionCapabilities capabilities,
                                      AttentionFunction function) {

    public AttentionImplementation {
        if (name == null || name.isBlank() || capabilities == null || function == null) {
            throw new IllegalArgumentException("an implementation needs a name, capabilities and a function");
        }
        description = description == null ? "" : description;
    }

    /** True when nothing about the request is outside this implementation's capabilities. */
    public boolean supports(AttentionRequest request) {
        return capabilities.unmetBy(request).isEmpty();
    }

    /** The same implementation under another registry name. */
    public AttentionImplementation withName(String newName) {
        return new AttentionImplementation(newName, description, capabilities, function);
    }
}
