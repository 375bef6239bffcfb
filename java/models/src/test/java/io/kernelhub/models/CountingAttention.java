package io.kernelhub.models;

import io.kernelhub.core.attention.AttentionCapabilities;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test double: forwards to sdpa and records every request it serves, to prove routing. */
final class CountingAttention {

    final List<AttentionRequest> calls = new CopyOnWriteArrayList<>();

    /** Registers a counting implementation under {@code name} in {@code registry}. */
    static CountingAttention register(AttentionInterface registry, String name) {
        CountingAttention counter = new CountingAttention();
        AttentionImplementation sdpa = registry.get("sdpa");
        registry.register(new AttentionImplementation(name, "counts calls, then runs sdpa",
                AttentionCapabilities.cpuAll(1024), request -> {
                    counter.calls.add(request);
                    return sdpa.function().forward(request);
                }));
        return counter;
    }

    int count() {
        return calls.size();
    }

    void reset() {
        calls.clear();
    }
}
