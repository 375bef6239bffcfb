package io.kernelhub.hub.manifest;

import io.kernelhub.hub.HubException;

/** A manifest, signature or maven-metadata.xml is malformed: the only exception their parsers throw. */
public final class ManifestException extends HubException {
    private static final long serialVersionUID = 1L;

    public ManifestException(String message) {
        super(message);
    }

    public ManifestException(String message, Throwable cause) {
        super(message, cause);
    }
}
