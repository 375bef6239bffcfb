package io.kernelhub.core.attention;

/**
 * Turns a hub kernel id into a loaded implementation. The hub module provides one through
 * {@link java.util.ServiceLoader}; the registry calls it the first time an unregistered hub
 * id is asked for, then registers the result under that exact id string.
 */
@FunctionalInterface
public interface HubResolver {

    /**
     * Loads (downloading and verifying as needed) the kernel an id names.
     *
     * @throws KernelResolutionException with a message that says what failed and what to do
     */
    AttentionImplementation resolve(HubKernelId id);

    /** The resolver used when no hub module is installed: every hub id fails with a clear message. */
    HubResolver UNAVAILABLE = id -> {
        throw new KernelResolutionException("cannot load hub kernel '" + id + "': this kernelhub build has no hub "
                + "client installed, so kernels cannot be downloaded or loaded yet. Use a built-in implementation "
                + "('eager' or 'sdpa'), or register your own under this id with "
                + "AttentionInterface.global().register(...).");
    };
}
