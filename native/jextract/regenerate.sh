#!/usr/bin/env bash
# Regenerates the Java bindings of native/include/kernelhub.h with jextract
# (https://jdk.java.net/jextract/, not on Maven Central; put it on PATH or set JEXTRACT).
# After regenerating: run ./run-tests -pl java/bridge -am. GeneratedBindingsTest compares every
# struct size, field offset and constant with gcc, and checks the header checksum that the
# generated kernelhub_h.HEADER_SHA256 records.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JEXTRACT="${JEXTRACT:-$(command -v jextract || true)}"
if [[ -z "$JEXTRACT" ]]; then
  echo "regenerate.sh: jextract is not installed (set JEXTRACT or put it on PATH)." >&2
  echo "  The committed bindings stay valid as long as GeneratedBindingsTest passes." >&2
  exit 2
fi
OUT="$ROOT/java/bridge/src/main/java"
PKG=io.kernelhub.bridge.generated
DIR="$OUT/${PKG//.//}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$JEXTRACT" --output "$TMP" --target-package "$PKG" --header-class-name kernelhub_h \
  --include-struct kh_tensor --include-struct kh_attention_args --include-struct kh_op_desc \
  --include-struct kh_host --include-typedef kh_attention_fn \
  --include-function kh_abi_version --include-function kh_register \
  "$ROOT/native/include/kernelhub.h"
SHA="$(sha256sum "$ROOT/native/include/kernelhub.h" | cut -d' ' -f1)"
rm -f "$DIR"/*.java
mkdir -p "$DIR"
for f in "$TMP/${PKG//.//}"/*.java; do
  {
    echo "// Generated from native/include/kernelhub.h (sha256 $SHA)"
    echo "// by jextract. Do not edit: run native/jextract/regenerate.sh."
    cat "$f"
  } > "$DIR/$(basename "$f")"
done
# the checksum GeneratedBindingsTest compares with the header
cat > "$DIR/HeaderChecksum.java" <<JAVA
// Generated from native/include/kernelhub.h (sha256 $SHA)
// by native/jextract/regenerate.sh. Do not edit.
package $PKG;

/** SHA-256 of the header these bindings were generated from (written by regenerate.sh). */
public final class HeaderChecksum {
    private HeaderChecksum() {
    }

    public static final String SHA256 = "$SHA";
}
JAVA
echo "regenerated $(ls "$DIR" | wc -l) files in $DIR; header sha256 $SHA"
echo "Now update native/probe/layout_probe.c for new fields/constants and run the bridge tests."
