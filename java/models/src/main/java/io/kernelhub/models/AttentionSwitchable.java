package io.kernelhub.models;

import java.util.Map;

/**
 * A model whose attention implementation is chosen by name and can be switched at run time
 * without touching its weights.
 *
 * <p>Selections are keyed by sub-config: {@code ""} is the top level and applies to every
 * backbone, named keys (e.g. {@code vision}, {@code text}) pick one backbone and win over
 * {@code ""}. A switch is validated before anything changes: an unknown name, an unknown key
 * or an implementation that cannot serve a backbone (dtype, head dim, causal, GQA) throws and
 * leaves the current selection as it was. A forward pass reads the selection once when it
 * starts, so a concurrent switch never mixes implementations within one pass.
 */
public interface AttentionSwitchable {

    /** Uses one implementation (a registry name, alias or hub id) for every backbone. */
    void setAttnImplementation(String name);

    /**
     * Selects implementations per sub-config: {@code ""} applies to all backbones, other keys
     * override it for one backbone; backbones not mentioned keep their current choice.
     *
     * @throws IllegalArgumentException for a key that is not {@code ""} or a backbone of this model
     *                                  (the message lists the valid keys), or an unknown name
     */
    void setAttnImplementation(Map<String, String> bySubConfig);

    /**
     * The current choice of every backbone that runs attention, in a fixed order. A single-backbone
     * model reports it under {@code ""}; a composite under its sub-config keys. Passing this map
     * back to {@link #setAttnImplementation(Map)} restores the selection.
     */
    Map<String, String> attnImplementations();
}
