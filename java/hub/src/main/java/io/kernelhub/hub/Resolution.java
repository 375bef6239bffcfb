package io.kernelhub.hub;

import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.hub.manifest.KernelManifest;
import io.kernelhub.hub.select.Selection;
import java.util.List;

/**
 * Which version and variant of a kernel this machine gets, from where, and why.
 *
 * @param id            the id as asked for
 * @param manifest      the chosen version's manifest
 * @param manifestSha256 SHA-256 of the manifest's bytes (what a lockfile pins)
 * @param hub           the hub it came from (or "cache" offline)
 * @param trust         why the manifest is trusted ("local hub", "signed by key ...", ...)
 * @param selection     the chosen variant and every rejected one with its reason
 * @param notes         hubs tried before this one and what they answered
 */
public record Resolution(HubKernelId id, KernelManifest manifest, String manifestSha256, String hub, String trust,
        Selection selection, List<String> notes) {

    public Resolution {
        notes = List.copyOf(notes);
    }
}
