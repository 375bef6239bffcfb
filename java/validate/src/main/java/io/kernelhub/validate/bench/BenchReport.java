package io.kernelhub.validate.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.validate.report.Charts;
import io.kernelhub.validate.report.Html;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.knowm.xchart.XYChart;

/** {@code kernelhub bench} output: a table with ratios to the peer, JSON, and an HTML page with a plot. */
public final class BenchReport {

    public static final String FLOPS = "FLOPs = 4 * head_dim * heads * batch * unmasked query-key pairs "
            + "(causal: bottom-right mask, visible pairs only); FLOP/s = FLOPs / median time of one call "
            + "(CUDA: device time from events)";

    private final List<BenchResult> results;
    private final String peer;
    private final String device;

    public BenchReport(List<BenchResult> results, String peer, String device) {
        this.results = List.copyOf(results);
        this.peer = peer;
        this.device = device;
    }

    private Set<String> impls() {
        Set<String> s = new LinkedHashSet<>();
        results.forEach(r -> s.add(r.impl()));
        return s;
    }

    private List<BenchShape> shapes() {
        List<BenchShape> s = new ArrayList<>();
        results.forEach(r -> {
            if (!s.contains(r.shape())) s.add(r.shape());
        });
        return s;
    }

    private BenchResult find(String impl, BenchShape s) {
        return results.stream().filter(r -> r.impl().equals(impl) && r.shape().equals(s)).findFirst().orElse(null);
    }

    private String peerName() {
        return peer == null ? null : Peers.resultName(peer);
    }

    /** GFLOP/s on CPUs, TFLOP/s on GPUs. */
    private boolean tera() {
        return device.startsWith("cuda");
    }

    private String unit() {
        return tera() ? "TFLOP/s" : "GFLOP/s";
    }

    private double rate(BenchResult r) {
        return tera() ? r.gflops() / 1000 : r.gflops();
    }

    /** Aligned text table: GFLOP/s per implementation and the ratio to the peer. */
    public String table() {
        StringBuilder b = new StringBuilder();
        List<String> cols = new ArrayList<>(impls());
        b.append(String.format(Locale.ROOT, "%-34s", "shape"));
        cols.forEach(c -> b.append(String.format(Locale.ROOT, " %22s", shortName(c) + " " + unit())));
        String pn = peerName();
        if (pn != null) cols.stream().filter(c -> !c.equals(pn)).forEach(c -> b.append(String.format(Locale.ROOT, " %22s",
                shortName(c) + " / peer")));
        b.append('\n');
        for (BenchShape s : shapes()) {
            b.append(String.format(Locale.ROOT, "%-34s", s.label()));
            for (String c : cols) {
                BenchResult r = find(c, s);
                b.append(String.format(Locale.ROOT, " %22s", r == null ? "-" : r.error() != null ? "n/a" : String.format(
                        Locale.ROOT, tera() ? "%.2f" : "%.1f", rate(r))));
            }
            if (pn != null) {
                BenchResult p = find(pn, s);
                for (String c : cols) {
                    if (c.equals(pn)) continue;
                    BenchResult r = find(c, s);
                    b.append(String.format(Locale.ROOT, " %22s", r == null || p == null || r.error() != null
                            || p.error() != null ? "-" : String.format(Locale.ROOT, "%.2fx", r.gflops() / p.gflops())));
                }
            }
            b.append('\n');
        }
        results.stream().filter(r -> r.error() != null).forEach(r -> b.append("note: ").append(r.impl()).append(" at ")
                .append(r.shape().label()).append(": ").append(r.error()).append('\n'));
        b.append(FLOPS).append('\n');
        return b.toString();
    }

    private static String shortName(String impl) {
        String s = impl.substring(impl.lastIndexOf('/') + 1);
        return s.length() > 14 ? s.substring(0, 14) : s;
    }

    public ObjectNode json() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode n = m.createObjectNode();
        n.put("device", device);
        n.put("peer", peerName());
        n.put("flops_formula", FLOPS);
        var arr = n.putArray("results");
        for (BenchResult r : results) {
            ObjectNode o = arr.addObject();
            o.put("impl", r.impl());
            o.put("shape", r.shape().label());
            o.put("batch", r.shape().batch());
            o.put("heads", r.shape().heads());
            o.put("kv_heads", r.shape().kvHeads());
            o.put("seq_q", r.shape().seqQ());
            o.put("seq_k", r.shape().seqK());
            o.put("head_dim", r.shape().headDim());
            o.put("dtype", r.shape().dtype().name().toLowerCase(Locale.ROOT));
            o.put("causal", r.shape().causal());
            o.put("flops", r.shape().flops());
            if (r.error() == null) {
                o.put("time_ms", r.millis());
                o.put("gflops", r.gflops());
                BenchResult p = peerName() == null || r.impl().equals(peerName()) ? null : find(peerName(), r.shape());
                if (p != null && p.error() == null) o.put("ratio_to_peer", r.gflops() / p.gflops());
            } else {
                o.put("error", r.error());
            }
        }
        return n;
    }

    public void writeJson(Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json());
    }

    public void writeHtml(Path file) throws IOException {
        XYChart c = Charts.chart("Attention throughput (" + device + ")", "seq_k", unit(), false);
        c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Line);
        for (String impl : impls()) {
            for (boolean causal : new boolean[] {false, true}) {
                List<Double> x = new ArrayList<>(), y = new ArrayList<>();
                for (BenchShape s : shapes()) {
                    BenchResult r = find(impl, s);
                    if (s.causal() == causal && r != null && r.error() == null) {
                        x.add((double) s.seqK());
                        y.add(rate(r));
                    }
                }
                if (!x.isEmpty()) c.addSeries(impl + (causal ? " causal" : ""), x, y);
            }
        }
        if (c.getSeriesMap().isEmpty()) c.addSeries("nothing measured", List.of(1.0), List.of(0.0));
        String h = "<!doctype html><html><head><meta charset=\"utf-8\"><title>kernelhub bench</title>" + Html.STYLE
                + "</head><body><h1>kernelhub bench (" + Html.esc(device) + ")</h1><p>" + Html.esc(FLOPS) + "</p>"
                + Charts.img(c, "GFLOP/s against seq_k") + "<pre>" + Html.esc(table()) + "</pre></body></html>\n";
        Files.writeString(file, h);
    }
}
