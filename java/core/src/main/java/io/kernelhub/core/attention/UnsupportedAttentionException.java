package io.kernelhub.core.attention;

import java.util.List;

/** A request asks for something the chosen implementation does not declare. Thrown before any work. */
public final class UnsupportedAttentionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> unmet;
    private final transient List<String> alternatives;

    public UnsupportedAttentionException(String implementation, List<String> unmet, List<String> alternatives) {
        this(implementation, null, unmet, alternatives);
    }

    /**
     * @param context where the request came from (e.g. {@code backbone 'text'}), or null
     */
    public UnsupportedAttentionException(String implementation, String context, List<String> unmet,
                                         List<String> alternatives) {
        super("attention implementation '" + implementation + "'" + (context == null ? "" : " (" + context + ")")
                + " cannot serve this request: it does not support "
                + String.join("; ", unmet) + ". "
                + (alternatives.isEmpty() ? "No registered implementation supports it."
                        : "Implementations that do: " + String.join(", ", alternatives) + "."));
        this.unmet = List.copyOf(unmet);
        this.alternatives = List.copyOf(alternatives);
    }

    public List<String> unmet() {
        return unmet;
    }

    public List<String> alternatives() {
        return alternatives;
    }
}
