// Generated from native/include/kernelhub.h (sha256 fb49cf77e46e720948d119a532a2299349953d6ab3aa9b2dd8ff65d51e4b4cc5)
// in the shape jextract 22+ generates. Do not edit: run native/jextract/regenerate.sh.
// KernelhubHeaderTest fails when the header changes without regenerating, and
// GeneratedLayoutTest compares every size and offset with the C compiler's.
package io.kernelhub.bridge.generated;

/** SHA-256 of the header these bindings were generated from (written by regenerate.sh). */
public final class HeaderChecksum {
    private HeaderChecksum() {
    }

    public static final String SHA256 = "fb49cf77e46e720948d119a532a2299349953d6ab3aa9b2dd8ff65d51e4b4cc5";
}
