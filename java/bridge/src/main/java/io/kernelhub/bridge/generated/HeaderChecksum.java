// Generated from native/include/kernelhub.h (sha256 4a7900866eb87d66e44c74a55df6cb7205404624cbfc736a807ad30b099b8ba8)
// by native/jextract/regenerate.sh with jextract (openjdk/jextract commit f9866df3a178baa2e4a3746a7a6e458d783ace92,
// Debian clang version 14.0.6). Do not edit: rerun that script. GeneratedBindingsTest checks
// this checksum against the header and every layout against the C compiler.
package io.kernelhub.bridge.generated;

/** SHA-256 of the header these bindings were generated from (written by regenerate.sh). */
public final class HeaderChecksum {
    private HeaderChecksum() {
    }

    public static final String SHA256 = "4a7900866eb87d66e44c74a55df6cb7205404624cbfc736a807ad30b099b8ba8";
}
