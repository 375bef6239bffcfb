package io.kernelhub.models.generate;

/** Called once per generated token, as soon as it is picked (streaming). */
@FunctionalInterface
public interface GenerationListener {

    /** No-op listener. */
    GenerationListener NONE = id -> { };

    void onToken(int tokenId);
}
