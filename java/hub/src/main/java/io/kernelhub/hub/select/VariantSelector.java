package io.kernelhub.hub.select;

import io.kernelhub.core.version.Version;
import io.kernelhub.device.CudaDevice;
import io.kernelhub.device.CudaStatus;
import io.kernelhub.hub.manifest.KernelManifest;
import io.kernelhub.hub.manifest.Requirements;
import io.kernelhub.hub.manifest.VariantEntry;
import io.kernelhub.hub.select.Selection.Match;
import io.kernelhub.hub.select.Selection.Rejection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picks the variant of a manifest that fits a machine (ARCHITECTURE.md, "Selection"): OS and
 * arch match; the ABI version is the host's; the running glibc is at least the variant's
 * ceiling; the CPU has every required feature; for CUDA, the driver supports the toolkit (or,
 * for SASS, the same major version: CUDA minor-version compatibility) and the binary holds SASS
 * for the device's architecture family or PTX the driver can JIT. Preference: exact SASS, then
 * compatible SASS, then PTX, then CPU; ties go to the newer toolkit.
 */
public final class VariantSelector {

    private static final Pattern SM = Pattern.compile("sm_(\\d+)([a-z]?)");
    private static final Pattern COMPUTE = Pattern.compile("compute_(\\d+)([a-z]?)");

    private final MachineProfile machine;
    private final int abiVersion;
    private final int cudaDevice;

    /**
     * @param machine    the machine to select for
     * @param abiVersion the kernelhub.h ABI version this host implements
     * @param cudaDevice the device CUDA variants must run on (its compute capability decides)
     */
    public VariantSelector(MachineProfile machine, int abiVersion, int cudaDevice) {
        this.machine = machine;
        this.abiVersion = abiVersion;
        this.cudaDevice = cudaDevice;
    }

    private record Fit(VariantEntry variant, Match match, String detail, int toolkit, int sm) {}

    public Selection select(KernelManifest manifest) {
        List<Fit> fits = new ArrayList<>();
        List<Rejection> rejected = new ArrayList<>();
        for (VariantEntry v : manifest.variants()) {
            String reason = commonRejection(v);
            if (reason == null && v.isCuda()) {
                Object r = cudaFit(v);
                if (r instanceof Fit f) {
                    fits.add(f);
                } else {
                    reason = (String) r;
                }
            } else if (reason == null) {
                fits.add(new Fit(v, Match.CPU, "CPU variant; needs " + describeIsa(v.requirements()), 0, 0));
            }
            if (reason != null) {
                rejected.add(new Rejection(v.name(), reason));
            }
        }
        fits.sort(Comparator.comparing(Fit::match).thenComparing(Comparator.comparingInt(Fit::toolkit).reversed())
                .thenComparing(Comparator.comparingInt(Fit::sm).reversed()));
        if (fits.isEmpty()) {
            return new Selection(Optional.empty(), null, null, rejected, Optional.empty());
        }
        Fit best = fits.getFirst();
        for (Fit other : fits.subList(1, fits.size())) {
            rejected.add(new Rejection(other.variant().name(), "fits too (" + other.match() + "), but "
                    + best.variant().name() + " is preferred (" + best.match() + ")"));
        }
        Optional<VariantEntry> cpu = best.match() == Match.CPU ? Optional.empty()
                : fits.stream().filter(f -> f.match() == Match.CPU).map(Fit::variant).findFirst();
        return new Selection(Optional.of(best.variant()), best.match(), best.detail(), rejected, cpu);
    }

    private String commonRejection(VariantEntry v) {
        if (!v.os().equals(machine.os()) || !v.arch().equals(machine.arch())) {
            return "built for " + v.arch() + "-" + v.os() + "; this machine is " + machine.arch() + "-" + machine.os();
        }
        if (v.abiVersion() != abiVersion) {
            return "built against kernelhub ABI " + v.abiVersion() + "; this kernelhub implements ABI " + abiVersion
                    + (v.abiVersion() > abiVersion ? " (upgrade kernelhub)" : " (the kernel needs a rebuild)");
        }
        Requirements r = v.requirements();
        if (r.glibcMax() != null && !r.glibcMax().isBlank()) {
            Version need;
            try {
                need = MachineProbe.parseGlibc(r.glibcMax());
            } catch (IllegalArgumentException e) {
                need = null;
            }
            if (need == null) {
                return "records an unreadable glibc_max '" + r.glibcMax() + "' (the bundle's manifest is broken)";
            }
            if (machine.glibc() == null) {
                return "needs glibc >= " + r.glibcMax() + "; this machine's C library is not glibc";
            }
            if (machine.glibc().compareTo(need) < 0) {
                return "needs glibc >= " + r.glibcMax() + " (the newest symbol version it references); this machine has "
                        + machine.glibc().major() + "." + machine.glibc().minor();
            }
        }
        for (String isa : r.cpuIsa()) {
            if (!machine.cpuFeatures().contains(isa)) {
                return "needs CPU feature " + isa + ", which this CPU lacks";
            }
        }
        return null;
    }

    /** A Fit, or the reason (String) the CUDA variant does not fit. */
    private Object cudaFit(VariantEntry v) {
        if (!(machine.cuda() instanceof CudaStatus.Available cuda)) {
            return "CUDA variant, but CUDA is unavailable: " + ((CudaStatus.Unavailable) machine.cuda()).reason();
        }
        Requirements r = v.requirements();
        int toolkit = CudaStatus.versionNumber(r.cudaToolkit());
        if (toolkit < 0) {
            return "CUDA variant without a valid cuda_toolkit in its manifest ('" + r.cudaToolkit() + "')";
        }
        if (cudaDevice < 0 || cudaDevice >= cuda.devices().size()) {
            return "CUDA device " + cudaDevice + " does not exist (the driver sees " + cuda.devices().size() + ")";
        }
        CudaDevice dev = cuda.devices().get(cudaDevice);
        int sm = dev.smVersion();
        boolean driverNewEnough = cuda.driverVersion() >= toolkit;
        boolean sameMajor = cuda.driverVersion() / 1000 == toolkit / 1000;
        String driverText = "the driver supports CUDA " + cuda.driverVersionText();
        if (!driverNewEnough && !sameMajor) {
            return "built with CUDA " + r.cudaToolkit() + "; " + driverText + ". Update the NVIDIA driver"
                    + (r.minDriver() == null ? "" : " to " + r.minDriver() + " or newer");
        }
        String device = "device " + dev.index() + ", " + dev.name() + " (sm_" + sm + ")";
        // SASS runs on the same major architecture with an equal or higher minor; arch-specific (sm_90a) only on its own
        int bestSass = -1;
        for (String s : r.sass()) {
            Matcher m = SM.matcher(s);
            if (!m.matches()) continue;
            int a = Integer.parseInt(m.group(1));
            boolean specific = !m.group(2).isEmpty();
            if (a == sm) {
                return new Fit(v, Match.EXACT_SASS, "SASS " + s + " for " + device, toolkit, a);
            }
            if (!specific && a / 10 == sm / 10 && a < sm) {
                bestSass = Math.max(bestSass, a);
            }
        }
        if (bestSass >= 0) {
            return new Fit(v, Match.COMPATIBLE_SASS, "SASS sm_" + bestSass + " runs on " + device, toolkit, bestSass);
        }
        int bestPtx = -1;
        for (String p : r.ptx()) {
            Matcher m = COMPUTE.matcher(p);
            if (m.matches() && m.group(2).isEmpty() && Integer.parseInt(m.group(1)) <= sm) {
                bestPtx = Math.max(bestPtx, Integer.parseInt(m.group(1)));
            }
        }
        if (bestPtx >= 0) {
            if (!driverNewEnough) {
                return "holds PTX compute_" + bestPtx + " for " + device + ", but PTX from CUDA " + r.cudaToolkit()
                        + " needs a driver for CUDA " + r.cudaToolkit() + " or newer; " + driverText;
            }
            return new Fit(v, Match.PTX, "PTX compute_" + bestPtx + " JIT-compiled for " + device, toolkit, bestPtx);
        }
        return "holds " + (r.sass().isEmpty() ? "no SASS" : "SASS " + String.join(", ", r.sass())) + " and "
                + (r.ptx().isEmpty() ? "no PTX" : "PTX " + String.join(", ", r.ptx())) + "; none runs on " + device;
    }

    private static String describeIsa(Requirements r) {
        return r.cpuIsa().isEmpty() ? "no particular CPU feature" : String.join(", ", r.cpuIsa());
    }
}
