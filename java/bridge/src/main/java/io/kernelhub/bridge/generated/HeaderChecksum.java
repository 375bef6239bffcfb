// Generated from native/include/kernelhub.h (sha256 0728b9a004105352f7079c9e7080f51d4bc6ad5000922e41a21901946826386f)
// in the shape jextract 22+ generates. Do not edit: run native/jextract/regenerate.sh.
// KernelhubHeaderTest fails when the header changes without regenerating, and
// GeneratedLayoutTest compares every size and offset with the C compiler's.
package io.kernelhub.bridge.generated;

/** SHA-256 of the header these bindings were generated from (written by regenerate.sh). */
public final class HeaderChecksum {
    private HeaderChecksum() {
    }

    public static final String SHA256 = "0728b9a004105352f7079c9e7080f51d4bc6ad5000922e41a21901946826386f";
}
