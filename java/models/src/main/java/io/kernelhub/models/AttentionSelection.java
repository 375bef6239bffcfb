package io.kernelhub.models;

import io.kernelhub.core.attention.AttentionFunction;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionRequest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Which attention implementation each backbone of one model uses, resolved through that
 * model's registry. The selection is one immutable map swapped atomically, so readers need no
 * lock and a failed switch changes nothing.
 */
public final class AttentionSelection {

    /** The sub-config key that addresses every backbone at once. */
    public static final String ALL = "";

    private final AttentionInterface registry;
    private final Map<String, AttentionSpec> backbones;
    private volatile Map<String, String> current;

    /**
     * @param backbones backbone key -> its attention shape, in report order
     * @param initial   backbone key -> implementation name from the configs
     */
    public AttentionSelection(AttentionInterface registry, Map<String, AttentionSpec> backbones, Map<String, String> initial) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.backbones = Collections.unmodifiableMap(new LinkedHashMap<>(backbones));
        Map<String, String> start = new LinkedHashMap<>();
        for (String key : this.backbones.keySet()) {
            String name = initial.get(key);
            resolve(key, name);
            start.put(key, name);
        }
        this.current = Collections.unmodifiableMap(start);
    }

    /** The current choice per backbone (an immutable snapshot). */
    public Map<String, String> current() {
        return current;
    }

    public synchronized void setAll(String name) {
        Map<String, String> only = new LinkedHashMap<>();
        only.put(ALL, name); // a HashMap, so a null name reaches the registry's clear message
        set(only);
    }

    /** Applies {@code ""} to all backbones, then the named keys; validates everything before committing. */
    public synchronized void set(Map<String, String> bySubConfig) {
        Objects.requireNonNull(bySubConfig, "attention selection map");
        for (String key : bySubConfig.keySet()) {
            if (!ALL.equals(key) && !backbones.containsKey(key)) {
                throw new IllegalArgumentException("unknown attention sub-config key " + quote(key)
                        + "; valid keys: " + validKeys());
            }
        }
        Map<String, String> next = new LinkedHashMap<>(current);
        if (bySubConfig.containsKey(ALL)) {
            String name = bySubConfig.get(ALL);
            next.replaceAll((key, old) -> name);
        }
        bySubConfig.forEach((key, name) -> {
            if (!ALL.equals(key)) {
                next.put(key, name);
            }
        });
        next.forEach(this::resolve); // throws before anything is committed
        current = Collections.unmodifiableMap(next);
    }

    /**
     * The function a backbone calls for one forward pass. Resolving per pass (a map lookup)
     * means a re-registration under the same name takes effect on the next pass.
     */
    public AttentionFunction function(Map<String, String> snapshot, String key) {
        return registry.get(snapshot.get(key)).function();
    }

    /** Looks the name up (the registry's message for unknown names) and checks the backbone's shape against it. */
    private AttentionImplementation resolve(String key, String name) {
        AttentionImplementation impl = registry.get(name);
        AttentionRequest probe = backbones.get(key).probe();
        registry.requireSupport(impl, probe, ALL.equals(key) ? null : "backbone '" + key + "'");
        return impl;
    }

    private String validKeys() {
        return quote(ALL) + " (all backbones)" + backbones.keySet().stream()
                .filter(k -> !ALL.equals(k))
                .map(k -> ", " + quote(k))
                .collect(Collectors.joining());
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}
