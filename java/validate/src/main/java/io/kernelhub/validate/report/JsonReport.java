package io.kernelhub.validate.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.validate.run.CaseResult;
import io.kernelhub.validate.run.ResultCodec;
import java.io.IOException;
import java.nio.file.Path;

/** The JSON summary: run metadata, counts, and every case. */
public final class JsonReport {
    private JsonReport() {}

    public static ObjectNode toNode(ValidationReport r) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("kernel", r.kernel());
        n.put("implementation", r.implName());
        n.put("description", r.description());
        n.put("device", r.device());
        n.put("grid", r.grid());
        n.put("dtypes", r.dtypes());
        n.put("seed", r.seed());
        n.put("isolated", r.isolated());
        n.put("host", r.host());
        n.put("started_at", r.startedAt());
        n.put("seconds", r.seconds());
        n.put("criterion", "max |out - f64 reference| <= 2 x max |low-precision eager - f64 reference| + 1e-5 (LSE "
                + "likewise, and required when requested); NaN/Inf fail; repeated runs must be bitwise identical");
        ObjectNode c = n.putObject("counts");
        c.put("total", r.results().size());
        for (CaseResult.Status s : CaseResult.Status.values()) {
            c.put(s.name().toLowerCase(java.util.Locale.ROOT), r.count(s));
        }
        n.put("passed", r.passed());
        n.put("nothing_ran", r.nothingRan());
        var arr = n.putArray("cases");
        r.results().forEach(x -> arr.add(ResultCodec.toNode(x)));
        return n;
    }

    /** Reads a summary written by {@link #write} (e.g. on a GPU machine) back into a report. */
    public static ValidationReport read(Path file) throws IOException {
        var n = new ObjectMapper().readTree(file.toFile());
        if (n == null || !n.has("cases") || !n.has("implementation")) {
            throw new IOException(file + " is not a kernelhub validate JSON summary");
        }
        java.util.List<io.kernelhub.validate.run.CaseResult> cases = new java.util.ArrayList<>();
        for (var c : n.path("cases")) {
            cases.add(ResultCodec.fromJson(c.toString()));
        }
        return new ValidationReport(n.path("kernel").asText(), n.path("implementation").asText(), n.path("description").asText(),
                n.path("device").asText(), n.path("grid").asText(), n.path("dtypes").asText(), n.path("seed").asLong(),
                n.path("isolated").asBoolean(), n.path("host").asText(), n.path("started_at").asText(),
                n.path("seconds").asDouble(), cases);
    }

    public static void write(ValidationReport r, Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), toNode(r));
    }
}
