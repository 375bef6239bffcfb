package io.kernelhub.core.attention;

import java.util.List;

/** No implementation is registered under a name (and it is not a hub id). */
public final class UnknownAttentionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UnknownAttentionException(String name, List<String> known) {
        super("no attention implementation named '" + name + "'. Registered: " + String.join(", ", known)
                + ". Hub kernels are named org/name[@version][:op], e.g. kernels-community/flash-attn2.");
    }
}
