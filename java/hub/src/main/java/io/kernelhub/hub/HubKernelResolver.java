package io.kernelhub.hub;

import io.kernelhub.bridge.BundleLoadException;
import io.kernelhub.bridge.BundleLoader;
import io.kernelhub.bridge.LoadedBundle;
import io.kernelhub.bridge.LocalKernelResolver;
import io.kernelhub.bridge.LocalKernels;
import io.kernelhub.bridge.generated.kernelhub_h;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.core.attention.HubResolver;
import io.kernelhub.hub.select.MachineProbe;
import io.kernelhub.hub.transport.TransferListener;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry's resolver when the hub module is installed (found through ServiceLoader):
 * ids named in {@code KERNELHUB_LOCAL_KERNELS} load from their local build; every other id is
 * resolved through the hubs, installed into the cache, loaded, and its ops registered.
 */
public final class HubKernelResolver implements HubResolver {

    private final HubSettings settings;
    private final LocalKernels local;
    private final TransferListener listener;
    /** One load per library and registration prefix. */
    private final ConcurrentHashMap<String, LoadedBundle> loaded = new ConcurrentHashMap<>();

    /** The ServiceLoader constructor: settings from the environment. */
    public HubKernelResolver() {
        this(HubSettings.fromEnvironment(), LocalKernels.fromEnvironment(), TransferListener.NONE);
    }

    public HubKernelResolver(HubSettings settings, LocalKernels local, TransferListener listener) {
        this.settings = settings;
        this.local = local;
        this.listener = listener;
    }

    @Override
    public int priority() {
        return 10;
    }

    /**
     * A local build: its variants go through the same device-aware selection as downloads (so a
     * machine with a GPU loads the CUDA variant, one without loads the CPU one).
     */
    private AttentionImplementation resolveLocal(HubKernelId id, java.nio.file.Path dir, AttentionInterface registry) {
        LocalBuild build = LocalBuild.read(dir);
        if (build == null) {
            return new LocalKernelResolver(local).resolve(id, registry); // its message says what is missing
        }
        io.kernelhub.hub.select.Selection sel = new io.kernelhub.hub.select.VariantSelector(MachineProbe.current(),
                kernelhub_h.KH_ABI_VERSION(), 0).select(build.manifest());
        if (sel.chosen().isEmpty()) {
            StringBuilder b = new StringBuilder("no variant of the local build " + dir + " fits this machine:");
            sel.rejected().forEach(r -> b.append("\n  ").append(r.variant()).append(": ").append(r.reason()));
            throw new HubException(b + "\nBuild it on this machine: kernelhub build " + dir);
        }
        java.nio.file.Path lib = build.library(sel.chosen().get().name());
        String prefix = id.kernel() + (id.versionSpec() == null ? "" : "@" + id.versionSpec());
        try {
            LoadedBundle bundle = loaded.computeIfAbsent(lib + "|" + prefix, k -> BundleLoader.load(lib, prefix));
            return bundle.registerAndFind(registry, id.op());
        } catch (BundleLoadException e) {
            throw new HubException("the local build " + lib + " (" + sel.chosen().get().name() + ") does not load: "
                    + e.getMessage(), e);
        }
    }

    /** A client with this resolver's settings, for the current machine. */
    public static HubClient client(HubSettings settings, TransferListener listener) {
        return new HubClient(settings, MachineProbe::current, kernelhub_h.KH_ABI_VERSION(), listener);
    }

    @Override
    public AttentionImplementation resolve(HubKernelId id, AttentionInterface registry) {
        if (local.directoryFor(id).isPresent()) {
            return resolveLocal(id, local.directoryFor(id).get(), registry);
        }
        HubClient.Installed inst = client(settings, listener).fetch(id);
        String prefix = id.kernel() + (id.versionSpec() == null ? "" : "@" + id.versionSpec());
        try {
            LoadedBundle bundle = loaded.computeIfAbsent(inst.library() + "|" + prefix,
                    k -> BundleLoader.load(inst.library(), prefix));
            return bundle.registerAndFind(registry, id.op());
        } catch (BundleLoadException e) {
            throw new HubException("resolved " + id + " to " + inst.resolution().manifest().version() + " "
                    + inst.variant().name() + " (" + inst.library() + "), but it does not load: " + e.getMessage(), e);
        }
    }
}
