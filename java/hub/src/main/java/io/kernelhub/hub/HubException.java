package io.kernelhub.hub;

import io.kernelhub.core.attention.KernelResolutionException;

/**
 * Something about a hub, a download, the cache or a bundle's trust failed. The message says
 * what was wrong and what to do; nothing half-done is left behind when one is thrown.
 */
public class HubException extends KernelResolutionException {
    private static final long serialVersionUID = 1L;

    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
