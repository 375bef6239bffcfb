package io.kernelhub.hub;

import io.kernelhub.bridge.AlteredLibraryException;
import io.kernelhub.bridge.BundleLoadException;
import io.kernelhub.bridge.BundleLoader;
import io.kernelhub.bridge.LoadedBundle;
import io.kernelhub.bridge.LocalKernelResolver;
import io.kernelhub.bridge.LocalKernels;
import io.kernelhub.bridge.generated.kernelhub_h;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.DeviceDispatch;
import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.core.attention.HubResolver;
import io.kernelhub.hub.cache.Receipt;
import io.kernelhub.hub.cache.VerifiedInodes;
import io.kernelhub.hub.check.LibraryPolicy;
import io.kernelhub.hub.select.MachineProbe;
import io.kernelhub.hub.select.MachineProfile;
import io.kernelhub.hub.select.Selection;
import io.kernelhub.hub.select.VariantSelector;
import io.kernelhub.hub.transport.TransferListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The registry's resolver when the hub module is installed (found through ServiceLoader):
 * ids named in {@code KERNELHUB_LOCAL_KERNELS} load from their local build, every other id is
 * resolved through the hubs and installed into the cache; both go through the same variant
 * selection. When a CUDA variant is chosen and a CPU variant fits too, both load, and each op
 * name becomes one implementation that runs CPU tensors on the CPU build and CUDA tensors on the
 * CUDA build ({@link DeviceDispatch}). Every library is loaded through
 * {@link BundleLoader#load(Path, String, BundleLoader.Checks)}: opened once without following
 * links, its bytes checked against {@link LibraryPolicy} and, for cache entries, against the
 * SHA-256 the receipt recorded at install; a cached file that no longer matches is refused
 * unloaded, its entry evicted and installed afresh once.
 */
public final class HubKernelResolver implements HubResolver {

    private static final System.Logger LOG = System.getLogger("io.kernelhub.hub");

    private final HubSettings settings;
    private final LocalKernels local;
    private final TransferListener listener;
    private final Supplier<MachineProfile> machine;
    /** One load per library and registration prefix. */
    private final ConcurrentHashMap<String, LoadedBundle> loaded = new ConcurrentHashMap<>();

    /** The ServiceLoader constructor: settings from the environment. */
    public HubKernelResolver() {
        this(HubSettings.fromEnvironment(), LocalKernels.fromEnvironment(), TransferListener.NONE);
    }

    public HubKernelResolver(HubSettings settings, LocalKernels local, TransferListener listener) {
        this(settings, local, listener, MachineProbe::current);
    }

    /** @param machine the machine selection is made for (tests pass synthetic ones) */
    public HubKernelResolver(HubSettings settings, LocalKernels local, TransferListener listener,
            Supplier<MachineProfile> machine) {
        this.settings = settings;
        this.local = local;
        this.listener = listener;
        this.machine = machine;
    }

    @Override
    public int priority() {
        return 10;
    }

    /** A client with these settings, for the current machine. */
    public static HubClient client(HubSettings settings, TransferListener listener) {
        return new HubClient(settings, MachineProbe::current, kernelhub_h.KH_ABI_VERSION(), listener);
    }

    @Override
    public AttentionImplementation resolve(HubKernelId id, AttentionInterface registry) {
        if (local.directoryFor(id).isPresent()) {
            return resolveLocal(id, local.directoryFor(id).get(), registry);
        }
        HubClient client = new HubClient(settings, machine, kernelhub_h.KH_ABI_VERSION(), listener);
        Resolution r = client.resolve(id);
        List<HubClient.Installed> installed = new ArrayList<>();
        for (int attempt = 1; ; attempt++) {
            installed.clear();
            try {
                return installAndRegister(client, r, id, registry, installed);
            } catch (AlteredLibraryException e) {
                // a cached file differs from its receipt: set the entry aside and install it afresh, once
                HubClient.Installed damaged = installed.stream().filter(i -> e.file().toAbsolutePath().normalize()
                        .startsWith(i.entry().dir().toAbsolutePath().normalize())).findFirst().orElse(null);
                if (attempt > 1 || damaged == null) {
                    throw new HubException(e.getMessage() + (attempt > 1 ? " It differs again after a fresh install: "
                            + "something is rewriting the cache at " + client.cache().root() + "." : ""), e);
                }
                LOG.log(System.Logger.Level.WARNING, e.getMessage() + " Evicting the entry and installing it afresh.");
                client.cache().evict(damaged.entry().sha256());
            }
        }
    }

    private AttentionImplementation installAndRegister(HubClient client, Resolution r, HubKernelId id,
            AttentionInterface registry, List<HubClient.Installed> installed) {
        HubClient.Installed inst = client.install(r);
        installed.add(inst);
        if (r.selection().cpuFallback().isPresent()) {
            try {
                installed.add(client.install(r, r.selection().cpuFallback().get()));
            } catch (HubException e) {
                LOG.log(System.Logger.Level.WARNING, "the CPU variant of " + id + " is unavailable (" + e.getMessage()
                        + "); CPU tensors need another implementation");
            }
        }
        List<Library> libraries = installed.stream().map(i -> new Library(i.library(),
                new BundleLoader.Checks(digests(i), LibraryPolicy.vetter(), new VerifiedInodes(i.entry().dir())))).toList();
        return register(id, libraries, registry, "resolved " + id + " to " + r.manifest().version() + " "
                + inst.variant().name());
    }

    /** What the receipt recorded for every file of an installed entry: the loader loads only those bytes. */
    private static Map<Path, String> digests(HubClient.Installed i) {
        Map<Path, String> m = new HashMap<>();
        for (Receipt.FileRecord f : i.entry().receipt().files()) {
            m.put(i.entry().dir().resolve(f.path()), f.sha256());
        }
        return m;
    }

    /** A library to load and what to check before loading it. */
    private record Library(Path path, BundleLoader.Checks checks) {}

    /** A local build, through the same device-aware selection as downloads. */
    private AttentionImplementation resolveLocal(HubKernelId id, Path dir, AttentionInterface registry) {
        LocalBuild build = LocalBuild.read(dir);
        if (build == null) {
            return new LocalKernelResolver(local).resolve(id, registry); // its message says what is missing
        }
        Selection sel = new VariantSelector(machine.get(), kernelhub_h.KH_ABI_VERSION(), 0).select(build.manifest());
        if (sel.chosen().isEmpty()) {
            StringBuilder b = new StringBuilder("no variant of the local build " + dir + " fits this machine:");
            sel.rejected().forEach(x -> b.append("\n  ").append(x.variant()).append(": ").append(x.reason()));
            throw new HubException(b + "\nBuild it on this machine: kernelhub build " + dir);
        }
        // a local build has no recorded digests; it is still opened once, without links, its ABI note and policy checked
        BundleLoader.Checks checks = new BundleLoader.Checks(null, LibraryPolicy.vetter());
        List<Library> libraries = new ArrayList<>(List.of(new Library(build.library(sel.chosen().get().name()), checks)));
        sel.cpuFallback().ifPresent(v -> libraries.add(new Library(build.library(v.name()), checks)));
        return register(id, libraries, registry, "the local build " + dir + " chose " + sel.chosen().get().name());
    }

    /**
     * Loads each library (the chosen variant first, then its CPU fallback) and registers one
     * implementation per name; a name the libraries provide on different devices dispatches by
     * device.
     */
    private AttentionImplementation register(HubKernelId id, List<Library> libraries, AttentionInterface registry,
            String what) {
        String prefix = id.kernel() + (id.versionSpec() == null ? "" : "@" + id.versionSpec());
        Map<String, List<AttentionImplementation>> byName = new LinkedHashMap<>();
        for (Library library : libraries) {
            Path lib = library.path();
            LoadedBundle bundle;
            try {
                bundle = loaded.computeIfAbsent(lib + "|" + prefix, k -> BundleLoader.load(lib, prefix, library.checks()));
            } catch (BundleLoadException e) {
                if (library == libraries.getFirst()) {
                    throw new HubException(what + " (" + lib + "), but it does not load: " + e.getMessage(), e);
                }
                LOG.log(System.Logger.Level.WARNING, "the CPU fallback " + lib + " does not load: " + e.getMessage());
                continue;
            }
            for (AttentionImplementation impl : bundle.implementations()) {
                byName.computeIfAbsent(impl.name(), k -> new ArrayList<>()).add(impl);
            }
        }
        String wantedName = id.op() == null ? prefix : prefix + ":" + id.op();
        AttentionImplementation wanted = null;
        for (Map.Entry<String, List<AttentionImplementation>> e : byName.entrySet()) {
            AttentionImplementation combined;
            try {
                combined = DeviceDispatch.combine(e.getKey(), e.getValue());
            } catch (IllegalArgumentException sameDevice) {
                combined = e.getValue().getFirst(); // two ops on one device: the chosen variant's
            }
            registry.register(combined);
            if (e.getKey().equals(wantedName)) {
                wanted = combined;
            }
        }
        if (wanted == null) {
            throw new HubException("kernel " + prefix + " has no op '" + id.op() + "'; its ops: " + byName.keySet());
        }
        return wanted;
    }
}
