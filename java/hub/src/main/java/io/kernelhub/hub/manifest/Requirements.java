package io.kernelhub.hub.manifest;

import java.util.List;

/**
 * What a variant needs from the machine, as the build recorded it (kernel.json's
 * {@code requirements}).
 *
 * @param glibcMax       the newest glibc symbol version the library references (the running
 *                       glibc must be at least this), or null when not linked against glibc
 * @param cpuIsa         CPU features the library needs unconditionally ({@code x86-64},
 *                       {@code avx2}, {@code x86-64-v3}, ...)
 * @param cpuIsaDispatch faster paths chosen at run time when present (informative)
 * @param cudaToolkit    the CUDA toolkit {@code MAJOR.MINOR} it was built with, null for CPU
 * @param minDriver      the minimum NVIDIA driver of that toolkit (informative; selection
 *                       compares the driver's CUDA version with the toolkit)
 * @param sass           SASS architectures in the binary ({@code sm_80}, ...)
 * @param ptx            PTX architectures in the binary ({@code compute_90}, ...)
 */
public record Requirements(String glibcMax, List<String> cpuIsa, List<String> cpuIsaDispatch, String cudaToolkit,
        String minDriver, List<String> sass, List<String> ptx) {

    public Requirements {
        cpuIsa = cpuIsa == null ? List.of() : List.copyOf(cpuIsa);
        cpuIsaDispatch = cpuIsaDispatch == null ? List.of() : List.copyOf(cpuIsaDispatch);
        sass = sass == null ? List.of() : List.copyOf(sass);
        ptx = ptx == null ? List.of() : List.copyOf(ptx);
    }

    /** The {@code requirements} object of a build's kernel.json (what cmake/KernelHub.cmake wrote). */
    public static Requirements fromKernelJson(com.fasterxml.jackson.databind.JsonNode r) {
        return new Requirements(r.path("glibc_max").asText(null), strings(r.path("cpu_isa")), strings(r.path("cpu_isa_dispatch")),
                r.path("cuda_toolkit").asText(null), r.path("min_driver").asText(null), strings(r.path("sass")),
                strings(r.path("ptx")));
    }

    private static List<String> strings(com.fasterxml.jackson.databind.JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.forEach(e -> out.add(e.asText()));
        return out;
    }

    /** A CPU variant's requirements. */
    public static Requirements cpu(String glibcMax, List<String> isa) {
        return new Requirements(glibcMax, isa, List.of(), null, null, List.of(), List.of());
    }
}
