package io.kernelhub.models.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The JSON reader shared by headers and indexes, and the little text helpers their messages need. */
final class Json {

    /** Duplicate keys inside a value are an error, as in the reference parser (serde). */
    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    private Json() {
    }

    /** Whether a node is a whole number in [0, Long.MAX_VALUE]. */
    static boolean isNonNegativeLong(JsonNode node) {
        return node != null && node.isIntegralNumber() && node.canConvertToLong() && node.asLong() >= 0;
    }

    /** A node as short JSON text for a message (long values are cut). */
    static String brief(JsonNode node) {
        return cut(node == null ? "nothing" : node.toString(), 80);
    }

    /** Jackson's own words about a syntax error, without the echo of the input. */
    static String describe(JsonProcessingException e) {
        String where = e.getLocation() == null ? "" : " at character " + e.getLocation().getCharOffset();
        return cut(String.valueOf(e.getOriginalMessage()), 160) + where;
    }

    static String cut(String text, int max) {
        String oneLine = text.replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max) + "...";
    }
}
