package io.kernelhub.models.hf;

import io.kernelhub.models.safetensors.SafetensorsWriter;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * JSON text as Python's {@code json.dumps(value, indent=2, sort_keys=True)} writes it, which is
 * how transformers saves config.json, generation_config.json and the tokenizer's side files: so
 * that the files kernelhub writes are the files transformers would have written, byte for byte.
 * Values are maps with string keys, lists, strings, booleans, integers, doubles and null.
 */
final class PythonJson {

    private PythonJson() {
    }

    /** The document followed by a newline, as transformers writes it. */
    static String dumps(Object value, boolean ensureAscii) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0, ensureAscii);
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, Object value, int depth, boolean ensureAscii) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> string(sb, s, ensureAscii);
            case Boolean b -> sb.append(b ? "true" : "false");
            case Integer i -> sb.append(i);
            case Long l -> sb.append(l);
            case Double d -> sb.append(floatRepr(d));
            case Map<?, ?> map -> {
                if (map.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                String[] keys = map.keySet().stream().map(k -> (String) k).toArray(String[]::new);
                // Python compares str by code point; Java's compareTo by UTF-16 unit differs above U+FFFF
                Arrays.sort(keys, (a, b) -> Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray()));
                sb.append('{');
                String sep = "\n";
                for (String key : keys) {
                    sb.append(sep).append("  ".repeat(depth + 1));
                    string(sb, key, ensureAscii);
                    sb.append(": ");
                    write(sb, map.get(key), depth + 1, ensureAscii);
                    sep = ",\n";
                }
                sb.append('\n').append("  ".repeat(depth)).append('}');
            }
            case List<?> list -> {
                if (list.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                String sep = "\n";
                for (Object item : list) {
                    sb.append(sep).append("  ".repeat(depth + 1));
                    write(sb, item, depth + 1, ensureAscii);
                    sep = ",\n";
                }
                sb.append('\n').append("  ".repeat(depth)).append(']');
            }
            default -> throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that read back as the same double, in
     * positional notation for exponents -4 .. 16 ({@code 0.0001}, {@code 500000.0}) and as
     * {@code 1e-05} / {@code 1e+16} outside.
     */
    static String floatRepr(double d) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("JSON has no form for " + d);
        }
        if (d == 0) {
            return Double.doubleToRawLongBits(d) < 0 ? "-0.0" : "0.0";
        }
        // Double.toString gives the shortest decimal that rounds back (JDK 19+), as repr does
        BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = exact.unscaledValue().toString();
        int point = digits.length() - exact.scale(); // value = 0.<digits> * 10^point
        String sign = d < 0 ? "-" : "";
        if (point <= -4 || point > 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            int exponent = point - 1;
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        if (point <= 0) {
            return sign + "0." + "0".repeat(-point) + digits;
        }
        if (point >= digits.length()) {
            return sign + digits + "0".repeat(point - digits.length()) + ".0";
        }
        return sign + digits.substring(0, point) + "." + digits.substring(point);
    }

    /** A string literal: {@code ensure_ascii} escapes everything outside printable ASCII (one escaper for all writers). */
    private static void string(StringBuilder sb, String s, boolean ensureAscii) {
        sb.append(SafetensorsWriter.jsonString(s, ensureAscii));
    }
}
