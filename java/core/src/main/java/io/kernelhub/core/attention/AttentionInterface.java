package io.kernelhub.core.attention;

import io.kernelhub.core.attention.eager.EagerAttention;
import io.kernelhub.core.attention.sdpa.SdpaAttention;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The attention registry: a thread-safe map from names to implementations.
 *
 * <p>{@link #global()} is the one process-wide registry (the only global mutable state in
 * kernelhub); it starts with {@code eager}, {@code sdpa} and the alias
 * {@code flash_attention_2 -> kernels-community/flash-attn2}. {@link #newLocal()} makes a
 * per-model registry whose registrations shadow the global ones without changing them.
 *
 * <p>A name that looks like a hub id ({@code org/name[@spec][:op]}) and is not registered is
 * resolved through the {@link HubResolver} on first use and then registered under exactly
 * that string, so later lookups are plain map reads.
 */
public final class AttentionInterface {

    private static final AttentionInterface GLOBAL = createGlobal();

    private final AttentionInterface parent;
    private final ConcurrentHashMap<String, AttentionImplementation> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> aliases = new ConcurrentHashMap<>();
    private final Object resolveLock = new Object();
    private volatile HubResolver hubResolver;

    private AttentionInterface(AttentionInterface parent) {
        this.parent = parent;
    }

    private static AttentionInterface createGlobal() {
        AttentionInterface g = new AttentionInterface(null);
        g.register(EagerAttention.implementation());
        g.register(SdpaAttention.implementation());
        g.alias("flash_attention_2", "kernels-community/flash-attn2");
        return g;
    }

    /** The process-wide registry. */
    public static AttentionInterface global() {
        return GLOBAL;
    }

    /** A fresh, empty registry with only the built-ins, for tests and isolated embedders. */
    public static AttentionInterface standalone() {
        return createGlobal();
    }

    /** A per-model registry: lookups fall back to this one; registrations stay local. */
    public AttentionInterface newLocal() {
        return new AttentionInterface(this);
    }

    /** Registers (or replaces) an implementation under its name. */
    public void register(AttentionImplementation implementation) {
        Objects.requireNonNull(implementation, "implementation");
        String name = checkName(implementation.name());
        entries.put(name, implementation);
    }

    /** Registers a function under a name with its capabilities. */
    public void register(String name, AttentionCapabilities capabilities, AttentionFunction function) {
        register(new AttentionImplementation(name, "", capabilities, function));
    }

    /** Removes a name (and any alias of that name) from this registry; true if something was removed. */
    public boolean unregister(String name) {
        boolean removed = entries.remove(name) != null;
        removed |= aliases.remove(name) != null;
        return removed;
    }

    /** Makes {@code alias} a second name for {@code target}; the target is looked up on each use. */
    public void alias(String alias, String target) {
        checkName(alias);
        checkName(target);
        if (alias.equals(target)) {
            throw new IllegalArgumentException("alias '" + alias + "' cannot point at itself");
        }
        aliases.put(alias, target);
    }

    /** Installs the resolver for hub ids on this registry (the hub module does this for the global one). */
    public void setHubResolver(HubResolver resolver) {
        this.hubResolver = resolver;
    }

    private static String checkName(String name) {
        if (name == null || name.isBlank() || !name.strip().equals(name) || name.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("bad attention implementation name '" + name
                    + "': names are non-empty and contain no whitespace");
        }
        if (HubKernelId.looksLikeHubId(name)) {
            HubKernelId.parse(name); // validates, with a message naming the bad part
        }
        return name;
    }

    /** True if the name is registered here or in a parent (aliases followed; hub ids are not resolved). */
    public boolean contains(String name) {
        return lookup(name, 0) != null;
    }

    /**
     * The implementation registered under a name, following aliases, then parents; a hub id
     * that is not registered yet is resolved through the hub and registered.
     *
     * @throws UnknownAttentionException  for an unknown plain name
     * @throws IllegalArgumentException   for a malformed hub id
     * @throws KernelResolutionException  when the hub cannot provide the kernel
     */
    public AttentionImplementation get(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("attention implementation name is empty; use one of " + String.join(", ", names()));
        }
        AttentionImplementation found = lookup(name, 0);
        if (found == null) {
            String target = resolveAlias(name);
            if (!HubKernelId.looksLikeHubId(target)) {
                throw new UnknownAttentionException(name, names());
            }
            found = resolveFromHub(target);
        }
        return bind(found);
    }

    private AttentionImplementation lookup(String name, int depth) {
        if (depth > 16) {
            throw new IllegalStateException("alias cycle at '" + name + "'");
        }
        AttentionImplementation impl = entries.get(name);
        if (impl != null) {
            return impl;
        }
        String target = aliases.get(name);
        if (target != null) {
            AttentionImplementation viaAlias = lookup(target, depth + 1);
            if (viaAlias != null) {
                return viaAlias;
            }
        }
        return parent == null ? null : parent.lookup(name, depth + 1);
    }

    private String resolveAlias(String name) {
        String current = name;
        for (int i = 0; i < 16; i++) {
            String next = aliasOf(current);
            if (next == null) {
                return current;
            }
            current = next;
        }
        throw new IllegalStateException("alias cycle at '" + name + "'");
    }

    private String aliasOf(String name) {
        for (AttentionInterface r = this; r != null; r = r.parent) {
            String target = r.aliases.get(name);
            if (target != null) {
                return target;
            }
        }
        return null;
    }

    /** Hub kernels are process-wide: they are resolved and registered in the root registry. */
    private AttentionImplementation resolveFromHub(String idText) {
        AttentionInterface root = this;
        while (root.parent != null) {
            root = root.parent;
        }
        HubKernelId id = HubKernelId.parse(idText);
        synchronized (root.resolveLock) {
            AttentionImplementation existing = root.entries.get(idText);
            if (existing != null) {
                return existing;
            }
            AttentionImplementation loaded = root.hubResolver().resolve(id, root);
            if (loaded == null) {
                throw new KernelResolutionException("the hub resolver returned nothing for '" + idText + "'");
            }
            AttentionImplementation named = loaded.withName(idText);
            root.entries.put(idText, named);
            return named;
        }
    }

    private HubResolver hubResolver() {
        HubResolver r = hubResolver;
        if (r == null) {
            r = ServiceLoader.load(HubResolver.class).stream().map(ServiceLoader.Provider::get)
                    .max(java.util.Comparator.comparingInt(HubResolver::priority)).orElse(HubResolver.UNAVAILABLE);
            hubResolver = r;
        }
        return r;
    }

    /** Every visible name (local over parent), sorted, aliases included. */
    public List<String> names() {
        List<String> all = new ArrayList<>(listMap().keySet());
        for (AttentionInterface r = this; r != null; r = r.parent) {
            for (String a : r.aliases.keySet()) {
                if (!all.contains(a)) {
                    all.add(a);
                }
            }
        }
        all.sort(Comparator.naturalOrder());
        return all;
    }

    /** Registered implementations (local over parent), sorted by name; aliases are not repeated. */
    public List<AttentionImplementation> list() {
        return List.copyOf(listMap().values());
    }

    /** Aliases visible from here: alias -> target. */
    public Map<String, String> aliases() {
        Map<String, String> all = new TreeMap<>();
        for (AttentionInterface r = this; r != null; r = r.parent) {
            r.aliases.forEach(all::putIfAbsent);
        }
        return all;
    }

    private Map<String, AttentionImplementation> listMap() {
        Map<String, AttentionImplementation> all = new TreeMap<>();
        for (AttentionInterface r = this; r != null; r = r.parent) {
            r.entries.forEach(all::putIfAbsent);
        }
        return all;
    }

    /** Runs a request through a named implementation, checking capabilities first. */
    public AttentionOutput attend(String name, AttentionRequest request) {
        return get(name).function().forward(request);
    }

    /**
     * Fails when {@code impl} cannot serve {@code request}, naming every unmet capability and the
     * implementations visible from this registry that would serve it.
     *
     * @param context where the request comes from, for the message (e.g. {@code backbone 'text'}), or null
     * @throws UnsupportedAttentionException when something is unmet
     */
    public void requireSupport(AttentionImplementation impl, AttentionRequest request, String context) {
        List<String> unmet = impl.capabilities().unmetBy(request);
        if (!unmet.isEmpty()) {
            List<String> alternatives = list().stream()
                    .filter(other -> !other.name().equals(impl.name()) && other.supports(request))
                    .map(AttentionImplementation::name)
                    .toList();
            throw new UnsupportedAttentionException(impl.name(), context, unmet, alternatives);
        }
    }

    /** Wraps an implementation so every call is checked against its capabilities before any work. */
    private AttentionImplementation bind(AttentionImplementation impl) {
        AttentionFunction inner = impl.function();
        if (inner instanceof CheckedFunction) {
            return impl;
        }
        return new AttentionImplementation(impl.name(), impl.description(), impl.capabilities(),
                new CheckedFunction(impl, this));
    }

    private record CheckedFunction(AttentionImplementation impl, AttentionInterface registry) implements AttentionFunction {
        @Override
        public AttentionOutput forward(AttentionRequest request) {
            Objects.requireNonNull(request, "request");
            registry.requireSupport(impl, request, null);
            return impl.function().forward(request);
        }
    }
}
