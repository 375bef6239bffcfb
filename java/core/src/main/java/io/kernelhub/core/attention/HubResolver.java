package io.kernelhub.core.attention;

/**
 * Turns a hub kernel id into a loaded implementation. The bridge (local builds) and hub
 * (downloads) modules provide one through {@link java.util.ServiceLoader}; the registry calls
 * it the first time an unregistered hub id is asked for, then registers the result under that
 * exact id string. A resolver may register a bundle's other ops in the given registry too.
 */
public interface HubResolver {

    /**
     * Loads (downloading and verifying as needed) the kernel an id names.
     *
     * @param id       the parsed id
     * @param registry the root registry, where the bundle's ops may register themselves
     * @throws KernelResolutionException with a message that says what failed and what to do
     */
    AttentionImplementation resolve(HubKernelId id, AttentionInterface registry);

    /**
     * When several resolvers are installed, the registry uses the one with the highest priority
     * (the hub client, which also honours local builds, outranks the local-builds-only resolver).
     */
    default int priority() {
        return 0;
    }

    /** The resolver used when no hub module is installed: every hub id fails with a clear message. */
    HubResolver UNAVAILABLE = (id, registry) -> {
        throw new KernelResolutionException("cannot load hub kernel '" + id + "': this kernelhub build has no hub "
                + "client installed, so kernels cannot be downloaded or loaded yet. Use a built-in implementation "
                + "('eager' or 'sdpa'), or register your own under this id with "
                + "AttentionInterface.global().register(...).");
    };
}
