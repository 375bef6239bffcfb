// Generated from native/include/kernelhub.h (sha256 f268db2cd548f46a87a6fbed8122f9086684d8a73c7e95d3cb14cd4f49b591c5)
// by native/jextract/regenerate.sh with jextract (openjdk/jextract commit f9866df3a178baa2e4a3746a7a6e458d783ace92,
// Debian clang version 14.0.6). Do not edit: rerun that script. GeneratedBindingsTest checks
// this checksum against the header and every layout against the C compiler.
package io.kernelhub.bridge.generated;

/** SHA-256 of the header these bindings were generated from (written by regenerate.sh). */
public final class HeaderChecksum {
    private HeaderChecksum() {
    }

    public static final String SHA256 = "f268db2cd548f46a87a6fbed8122f9086684d8a73c7e95d3cb14cd4f49b591c5";
}
