package io.kernelhub.validate.report;

import io.kernelhub.validate.run.CaseResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/**
 * The self-contained HTML report: summary, error against tolerance per case and throughput
 * against key length (XChart plots embedded as PNG), and a table of every case.
 */
public final class HtmlReport {
    private HtmlReport() {}

    public static void write(ValidationReport r, Path file) throws IOException {
        StringBuilder h = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
                .append(Html.esc("kernelhub validate " + r.implName() + " on " + r.device())).append("</title>")
                .append(Html.STYLE).append("</head><body>");
        h.append("<h1>").append(Html.esc(r.implName())).append(" on ").append(Html.esc(r.device())).append(": ")
                .append(r.passed() ? "passed" : r.nothingRan() ? "nothing validated" : "FAILED").append("</h1>");
        h.append(String.format(Locale.ROOT, "<p>%d cases: %d passed, %d failed, %d skipped; grid %s, dtypes %s, seed %d%s; "
                        + "%.1f s on %s, %s.</p>", r.results().size(), r.count(CaseResult.Status.PASSED),
                r.count(CaseResult.Status.FAILED), r.count(CaseResult.Status.SKIPPED), Html.esc(r.grid()), Html.esc(r.dtypes()),
                r.seed(), r.isolated() ? ", isolated in child JVMs" : "", r.seconds(), Html.esc(r.host()), Html.esc(r.startedAt())));
        h.append("<p>").append(Html.esc(r.description())).append("</p>");
        h.append("<p>Criterion (FlashAttention's): max |out &minus; f64 reference| &le; 2 &times; max |low-precision "
                + "eager &minus; f64 reference| + 1e-5, the same for LSE (required when requested); NaN or Inf fail; "
                + "repeated runs must be bitwise identical. "
                + "GFLOP/s = 4 &middot; head_dim &middot; heads &middot; unmasked query-key pairs / time of one call.</p>");
        h.append(Charts.img(errorChart(r), "error and tolerance per case")).append("<br>");
        h.append(Charts.img(throughputChart(r), "throughput against key length"));
        h.append("<h2>Cases</h2><table><tr><th>case</th><th>status</th><th>max |err|</th><th>tolerance</th>"
                + "<th>lse err</th><th>lse tol</th><th>ms</th><th>GFLOP/s</th><th>message</th></tr>");
        for (CaseResult c : r.results()) {
            String cls = c.status().name().toLowerCase(Locale.ROOT);
            h.append("<tr class=\"").append(cls).append("\"><td>").append(Html.esc(c.name())).append("</td><td class=\"s\">")
                    .append(cls).append("</td>").append(num(c.maxErr())).append(num(c.tolerance())).append(num(c.lseErr()))
                    .append(num(c.lseTol())).append(num(c.millis()))
                    .append(num(c.status() == CaseResult.Status.SKIPPED ? Double.NaN : c.gflops()))
                    .append("<td>").append(Html.esc(c.message())).append("</td></tr>");
        }
        h.append("</table></body></html>\n");
        Files.writeString(file, h);
    }

    private static String num(double v) {
        return "<td class=\"num\">" + (Double.isFinite(v) ? String.format(Locale.ROOT, "%.3g", v) : "") + "</td>";
    }

    static XYChart errorChart(ValidationReport r) {
        XYChart c = Charts.chart("Error vs tolerance per case (log scale; a case passes when its error is below its tolerance)",
                "case", "max |out - f64 reference|", true);
        List<Double> x = new ArrayList<>(), err = new ArrayList<>(), tol = new ArrayList<>(), fx = new ArrayList<>(),
                ferr = new ArrayList<>();
        for (int i = 0; i < r.results().size(); i++) {
            CaseResult cr = r.results().get(i);
            if (!Double.isFinite(cr.tolerance())) continue;
            double e = Math.max(Double.isFinite(cr.maxErr()) ? cr.maxErr() : 1e3, 1e-9);
            if (cr.status() == CaseResult.Status.FAILED) {
                fx.add((double) i);
                ferr.add(e);
            } else {
                x.add((double) i);
                err.add(e);
            }
            tol.add(Math.max(cr.tolerance(), 1e-9));
        }
        List<Double> tx = new ArrayList<>();
        for (int i = 0; i < r.results().size(); i++) {
            if (Double.isFinite(r.results().get(i).tolerance())) tx.add((double) i);
        }
        if (!tx.isEmpty()) c.addSeries("tolerance", tx, tol).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.DIAMOND);
        if (!x.isEmpty()) c.addSeries("error (passed)", x, err).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE);
        if (!fx.isEmpty()) c.addSeries("error (failed)", fx, ferr).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CROSS);
        if (tx.isEmpty()) c.addSeries("no case ran", List.of(0.0), List.of(1.0));
        return c;
    }

    static XYChart throughputChart(ValidationReport r) {
        XYChart c = Charts.chart("Throughput of one call against key length (validation shapes, not a benchmark)",
                "seq_k", "GFLOP/s", false);
        c.getStyler().setXAxisLogarithmic(true);
        List<Double> x = new ArrayList<>(), y = new ArrayList<>();
        for (CaseResult cr : r.results()) {
            if (cr.status() != CaseResult.Status.SKIPPED && Double.isFinite(cr.millis()) && cr.millis() > 0 && cr.flops() > 0) {
                x.add((double) cr.seqK());
                y.add(cr.gflops());
            }
        }
        XYSeries s = x.isEmpty() ? c.addSeries("no case ran", List.of(1.0), List.of(0.0)) : c.addSeries("cases", x, y);
        s.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE);
        return c;
    }
}
