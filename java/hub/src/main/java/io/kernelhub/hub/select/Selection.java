package io.kernelhub.hub.select;

import io.kernelhub.hub.manifest.VariantEntry;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of variant selection: the chosen variant (if any fits), why, and every other
 * variant with the reason it was not chosen.
 *
 * @param chosen   the best variant that fits this machine
 * @param match    how the chosen variant fits (exact SASS, compatible SASS, PTX, CPU)
 * @param detail   one line on why it fits (e.g. "SASS sm_90 for device 0, NVIDIA H200 (sm_90)")
 * @param rejected the other variants, each with its reason
 * @param cpuFallback when a CUDA variant is chosen, the best CPU variant that also fits (loaded
 *                 beside it so CPU tensors keep working on GPU machines)
 */
public record Selection(Optional<VariantEntry> chosen, Match match, String detail, List<Rejection> rejected,
        Optional<VariantEntry> cpuFallback) {

    public Selection {
        rejected = List.copyOf(rejected);
    }

    /** How a variant fits the machine, best first. */
    public enum Match {
        EXACT_SASS("exact SASS"),
        COMPATIBLE_SASS("compatible SASS"),
        PTX("PTX (JIT-compiled by the driver)"),
        CPU("CPU");

        private final String text;

        Match(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** A variant that was not chosen and why. */
    public record Rejection(String variant, String reason) {}
}
