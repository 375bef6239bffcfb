package io.kernelhub.validate.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** One case result as a JSON object (the worker protocol and the JSON report share it). */
public final class ResultCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultCodec() {}

    public static ObjectNode toNode(CaseResult r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", r.name());
        n.put("features", r.features());
        n.put("status", r.status().name().toLowerCase(java.util.Locale.ROOT));
        n.put("message", r.message());
        num(n, "max_abs_err", r.maxErr());
        num(n, "tolerance", r.tolerance());
        num(n, "lse_max_abs_err", r.lseErr());
        num(n, "lse_tolerance", r.lseTol());
        num(n, "time_ms", r.millis());
        num(n, "flops", r.flops());
        num(n, "gflops", r.status() == CaseResult.Status.SKIPPED ? Double.NaN : r.gflops());
        n.put("seq_k", r.seqK());
        return n;
    }

    public static String toJson(CaseResult r) {
        return toNode(r).toString();
    }

    public static CaseResult fromJson(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            return new CaseResult(n.path("name").asText(), n.path("features").asText(),
                    CaseResult.Status.valueOf(n.path("status").asText().toUpperCase(java.util.Locale.ROOT)),
                    n.path("message").isNull() ? null : n.path("message").asText(), d(n, "max_abs_err"), d(n, "tolerance"),
                    d(n, "lse_max_abs_err"), d(n, "lse_tolerance"), d(n, "time_ms"), d(n, "flops"), n.path("seq_k").asInt());
        } catch (IOException e) {
            throw new IllegalStateException("bad worker result line: " + json, e);
        }
    }

    private static void num(ObjectNode n, String k, double v) {
        if (Double.isFinite(v)) n.put(k, v);
        else n.putNull(k);
    }

    private static double d(JsonNode n, String k) {
        return n.path(k).isNumber() ? n.path(k).asDouble() : Double.NaN;
    }
}
