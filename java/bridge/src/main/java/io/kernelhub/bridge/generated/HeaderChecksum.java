// Generated from native/include/kernelhub.h (sha256 4a7900866eb87d66e44c74a55df6cb7205404624cbfc736a807ad30b099b8ba8)
// in the shape jextract 22+ generates. Do not edit: run native/jextract/regenerate.sh.
// KernelhubHeaderTest fails when the header changes without regenerating, and
// GeneratedLayoutTest compares every size and offset with the C compiler's.
package io.kernelhub.bridge.generated;

/** SHA-256 of the header these bindings were generated from (written by regenerate.sh). */
public final class HeaderChecksum {
    private HeaderChecksum() {
    }

    public static final String SHA256 = "4a7900866eb87d66e44c74a55df6cb7205404624cbfc736a807ad30b099b8ba8";
}
