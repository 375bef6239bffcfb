package io.kernelhub.bridge;

import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A bundle that passed the handshake and registration. It owns its arena (upcall stubs, the
 * memory its ops were described in) for as long as the JVM runs, because its ops may be called
 * at any time after they are registered.
 *
 * @param prefix     registry prefix: {@code org/name} or {@code org/name@version}
 * @param library    the shared library
 * @param abiVersion what {@code kh_abi_version()} returned
 * @param ops        the ops, in registration order
 * @param arena      memory owned by this bundle
 */
public record LoadedBundle(String prefix, Path library, int abiVersion, List<NativeOp> ops, Arena arena) {

    public LoadedBundle {
        ops = List.copyOf(ops);
    }

    /** The op {@code org/name} without {@code :op} selects: the one flagged default, else the first. */
    public NativeOp defaultOp() {
        return ops.stream().filter(NativeOp::isDefault).findFirst().orElse(ops.getFirst());
    }

    /** One implementation per registry name: {@code prefix} (the default op) and {@code prefix:op} for each op. */
    public List<AttentionImplementation> implementations() {
        List<AttentionImplementation> all = new ArrayList<>();
        NativeOp def = defaultOp();
        all.add(implementation(prefix, def));
        for (NativeOp op : ops) {
            all.add(implementation(prefix + ":" + op.name(), op));
        }
        return all;
    }

    private AttentionImplementation implementation(String name, NativeOp op) {
        String description = (op.description().isEmpty() ? "native op " + op.name() : op.description()) + " ["
                + library.getFileName() + "]";
        return new AttentionImplementation(name, description, op.capabilities(), new NativeAttention(name, op));
    }

    /** Registers every op in a registry; returns the implementations registered. */
    public List<AttentionImplementation> registerIn(AttentionInterface registry) {
        List<AttentionImplementation> all = implementations();
        all.forEach(registry::register);
        return all;
    }

    /**
     * Registers every op and returns the one an id asks for: the default op, or {@code op}.
     *
     * @throws io.kernelhub.core.attention.KernelResolutionException naming the bundle's ops when it has no such op
     */
    public AttentionImplementation registerAndFind(AttentionInterface registry, String op) {
        List<AttentionImplementation> impls = registerIn(registry);
        String wanted = op == null ? prefix : prefix + ":" + op;
        return impls.stream().filter(i -> i.name().equals(wanted)).findFirst()
                .orElseThrow(() -> new io.kernelhub.core.attention.KernelResolutionException("kernel " + prefix + " ("
                        + library + ") has no op '" + op + "'; its ops: " + ops.stream().map(NativeOp::name).toList()));
    }
}
