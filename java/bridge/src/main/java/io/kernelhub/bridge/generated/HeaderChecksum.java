// Generated from native/include/kernelhub.h (sha256 f268db2cd548f46a87a6fbed8122f9086684d8a73c7e95d3cb14cd4f49b591c5)
// in the shape jextract 22+ generates. Do not edit: run native/jextract/regenerate.sh.
// KernelhubHeaderTest fails when the header changes without regenerating, and
// GeneratedLayoutTest compares every size and offset with the C compiler's.
package io.kernelhub.bridge.generated;

/** SHA-256 of the header these bindings were generated from (written by regenerate.sh). */
public final class HeaderChecksum {
    private HeaderChecksum() {
    }

    public static final String SHA256 = "f268db2cd548f46a87a6fbed8122f9086684d8a73c7e95d3cb14cd4f49b591c5";
}
