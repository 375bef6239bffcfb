package io.kernelhub.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import io.kernelhub.core.attention.UnsupportedAttentionException;
import io.kernelhub.core.attention.check.AccuracyCheck;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kernelhub attend}: one seeded random attention call through the registry, timed, and
 * optionally checked against the eager reference with FlashAttention's criterion.
 */
@Command(name = "attend", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run one seeded random attention call through the registry, time it, and optionally "
                + "check it against eager (max |out - ref| <= 2 * max |low-precision eager - ref| + 1e-5, "
                + "ref = eager in f64).",
                "Exit 0 ok, 1 check failed, 2 bad usage or input."})
final class AttendCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--impl", required = true, paramLabel = "NAME",
            description = "Implementation: a registered name (eager, sdpa), an alias, or a hub id org/name[@version][:op].")
    String impl;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE", converter = Converters.DeviceConverter.class,
            description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    Device device;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "N", description = "Sequences (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--heads", defaultValue = "8", paramLabel = "N", description = "Query heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--kv-heads", paramLabel = "N", description = "Key/value heads (default: --heads).")
    Integer kvHeads;

    @Option(names = "--seq-q", defaultValue = "512", paramLabel = "N",
            description = "Query length; the maximum length under --varlen (default: ${DEFAULT-VALUE}).")
    int seqQ;

    @Option(names = "--seq-k", paramLabel = "N",
            description = "Key length; the maximum length under --varlen (default: --seq-q).")
    Integer seqK;

    @Option(names = "--head-dim", defaultValue = "64", paramLabel = "N", description = "Head dim (default: ${DEFAULT-VALUE}).")
    int headDim;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "DTYPE", converter = Converters.DTypeConverter.class,
            description = "f32, f16 or bf16 (default: ${DEFAULT-VALUE}).")
    DType dtype;

    @Option(names = "--causal", description = "Causal mask, aligned bottom-right.")
    boolean causal;

    @Option(names = "--window", paramLabel = "L,R", converter = Converters.WindowConverter.class,
            description = "Sliding window: keys in [i+s-L, i+s+R] with s = seq_k - seq_q; -1 = unlimited.")
    Converters.Window window;

    @Option(names = "--softcap", defaultValue = "0", paramLabel = "X",
            description = "scores = X * tanh(scores / X); 0 = off (default).")
    float softcap;

    @Option(names = "--varlen", description = "Packed variable lengths: random per-sequence lengths in 1..seq with cu_seqlens.")
    boolean varlen;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "N", description = "Untimed calls first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iters", defaultValue = "5", paramLabel = "N",
            description = "Timed calls; the median is reported (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--check", description = "Check output and LSE against the eager reference.")
    boolean check;

    @Option(names = "--save", paramLabel = "DIR",
            description = "Write q, k, v, out, lse (and cu_seqlens_q/k under --varlen) as float32/int32 .npy files.")
    Path save;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() {
        if (iters < 1) {
            throw new IllegalArgumentException("--iters must be >= 1, got " + iters);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        }
        AttendShape shape = new AttendShape(batch, heads, kvHeads == null ? heads : kvHeads, seqQ,
                seqK == null ? seqQ : seqK, headDim, causal, window != null,
                window == null ? -1 : window.left(), window == null ? -1 : window.right(), softcap, varlen);
        AttentionInterface registry = AttentionInterface.global();
        AttentionImplementation implementation = registry.get(impl); // unknown names and hub failures stop here
        try {
            return run(registry, implementation, shape);
        } catch (OutOfMemoryError e) {
            throw new IllegalArgumentException("not enough memory for this call (" + e.getMessage()
                    + "); use smaller shapes or give java a larger -Xmx");
        }
    }

    private int run(AttentionInterface registry, AttentionImplementation implementation, AttendShape shape) {
        AttendInputs inputs = AttendInputs.generate(shape, dtype, seed);
        boolean wantLse = check || save != null;
        AttentionRequest fresh = request(inputs.q(), inputs.k(), inputs.v(), inputs, shape, wantLse);
        // outputs allocated once and reused by every call, as an application (and the ONNX Runtime peer
        // in bench/) would: timing a fresh 2 MB allocation per call measured page faults, not attention
        AttentionOutput outputs = fresh.allocateOutputs();
        AttentionRequest request = fresh.withOutputs(outputs.out(), outputs.lse());
        if (!device.isCpu()) {
            explainDevice(registry, implementation, inputs, shape, wantLse);
        }

        AttentionOutput result = null;
        for (int i = 0; i < warmup; i++) {
            result = implementation.function().forward(request);
        }
        double[] millis = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            result = implementation.function().forward(request);
            millis[i] = (System.nanoTime() - t0) / 1e6;
        }
        double median = median(millis);

        // the check fails by itself when a requested LSE is missing
        AccuracyCheck.Result accuracy = check ? AccuracyCheck.check(request, result) : null;
        boolean ok = accuracy == null || accuracy.ok();
        if (save != null) {
            save(save, inputs, result);
        }

        ObjectNode report = report(shape, inputs, request.flops(), median, accuracy, ok);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Json.print(out, report);
        } else {
            printText(out, shape, request.flops(), median, accuracy, ok);
        }
        return ok ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
    }

    private AttentionRequest request(Tensor q, Tensor k, Tensor v, AttendInputs inputs, AttendShape shape, boolean lse) {
        AttentionRequest.Builder b = AttentionRequest.builder(q, k, v)
                .causal(shape.causal())
                .window(shape.windowLeft(), shape.windowRight())
                .softcap(shape.softcap())
                .returnLse(lse);
        if (shape.varlen()) {
            b.cuSeqlens(inputs.cuQ(), inputs.cuK());
        }
        return b.build();
    }

    /**
     * This build allocates tensors on the CPU only. For another device, the request is checked
     * against the implementation's capabilities with the device it asked for (nothing is run), so
     * the error names what is missing and which implementations would serve it.
     */
    private void explainDevice(AttentionInterface registry, AttentionImplementation implementation, AttendInputs inputs,
                               AttendShape shape, boolean lse) {
        AttentionRequest onDevice = request(AttendInputs.labelledOn(inputs.q(), device),
                AttendInputs.labelledOn(inputs.k(), device), AttendInputs.labelledOn(inputs.v(), device), inputs, shape, lse);
        try {
            registry.requireSupport(implementation, onDevice, null);
        } catch (UnsupportedAttentionException e) {
            throw new IllegalArgumentException(e.getMessage() + " Run 'kernelhub doctor' for the CUDA driver status.", e);
        }
        throw new IllegalArgumentException("'" + implementation.name() + "' declares " + device.kind().id()
                + " support, but kernelhub attend cannot place tensors on " + device
                + " in this build (no device memory bridge yet); use --device cpu");
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static void save(Path dir, AttendInputs inputs, AttentionOutput result) {
        try {
            Files.createDirectories(dir);
            NpyWriter.writeFloat32(dir.resolve("q.npy"), inputs.q());
            NpyWriter.writeFloat32(dir.resolve("k.npy"), inputs.k());
            NpyWriter.writeFloat32(dir.resolve("v.npy"), inputs.v());
            NpyWriter.writeFloat32(dir.resolve("out.npy"), result.out());
            if (result.lse() != null) {
                NpyWriter.writeFloat32(dir.resolve("lse.npy"), result.lse());
            }
            if (inputs.cuQ() != null) {
                NpyWriter.writeInt32(dir.resolve("cu_seqlens_q.npy"), inputs.cuQ(), inputs.cuQ().length);
                NpyWriter.writeInt32(dir.resolve("cu_seqlens_k.npy"), inputs.cuK(), inputs.cuK().length);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write --save files to " + dir + ": " + e);
        }
    }

    private ObjectNode report(AttendShape s, AttendInputs inputs, double flops, double medianMs,
                              AccuracyCheck.Result accuracy, boolean ok) {
        ObjectNode r = Json.object();
        r.put("impl", impl);
        r.put("device", device.toString());
        r.put("dtype", dtype.id());
        ObjectNode sh = r.putObject("shape");
        sh.put("batch", s.batch());
        sh.put("heads_q", s.headsQ());
        sh.put("heads_kv", s.headsKv());
        sh.put("seq_q", s.seqQ());
        sh.put("seq_k", s.seqK());
        sh.put("head_dim", s.headDim());
        sh.put("causal", s.causal());
        if (s.window()) {
            sh.putArray("window").add(s.windowLeft()).add(s.windowRight());
        } else {
            sh.putNull("window");
        }
        sh.put("softcap", s.softcap());
        sh.put("varlen", s.varlen());
        sh.put("total_q", inputs.totalQ());
        sh.put("total_k", inputs.totalK());
        r.put("seed", seed);
        r.put("warmup", warmup);
        r.put("iters", iters);
        r.put("time_ms", medianMs);
        Json.putNumberOrNull(r, "gflops", gflops(flops, medianMs));
        r.put("checked", accuracy != null);
        Json.putNumberOrNull(r, "max_abs_err", accuracy == null ? Double.NaN : accuracy.maxAbsErr());
        Json.putNumberOrNull(r, "ref_err", accuracy == null ? Double.NaN : accuracy.refErr());
        Json.putNumberOrNull(r, "lse_max_abs_err", accuracy == null ? Double.NaN : accuracy.lseErr());
        Json.putNumberOrNull(r, "lse_ref_err", accuracy == null ? Double.NaN : accuracy.lseRefErr());
        r.put("ok", ok);
        r.put("saved", save == null ? null : save.toString());
        return r;
    }

    private static double gflops(double flops, double medianMs) {
        return medianMs > 0 ? flops / (medianMs * 1e6) : Double.NaN;
    }

    private void printText(PrintWriter out, AttendShape s, double flops, double medianMs, AccuracyCheck.Result accuracy,
                           boolean ok) {
        StringBuilder what = new StringBuilder();
        what.append(String.format(Locale.ROOT, "%s on %s, %s: batch %d, heads %d", impl, device, dtype.id(), s.batch(),
                s.headsQ()));
        if (s.headsKv() != s.headsQ()) {
            what.append(" (kv ").append(s.headsKv()).append(')');
        }
        what.append(String.format(Locale.ROOT, ", seq %d x %d%s, head dim %d", s.seqQ(), s.seqK(),
                s.varlen() ? " (varlen max)" : "", s.headDim()));
        if (s.causal()) {
            what.append(", causal");
        }
        if (s.window()) {
            what.append(", window (").append(s.windowLeft()).append(", ").append(s.windowRight()).append(')');
        }
        if (s.softcap() > 0) {
            what.append(", softcap ").append(s.softcap());
        }
        out.println(what);
        double g = gflops(flops, medianMs);
        out.printf(Locale.ROOT, "  time   %.3f ms (median of %d after %d warmup)%s%n", medianMs, iters, warmup,
                Double.isNaN(g) ? "" : String.format(Locale.ROOT, ", %.2f GFLOP/s", g));
        if (accuracy != null) {
            out.println("  check  " + accuracy.summary());
        }
        if (save != null) {
            out.println("  saved  .npy files in " + save);
        }
        out.println(ok ? "  ok" : "  FAILED");
        out.flush();
    }
}
