package io.kernelhub.cli;

import io.kernelhub.bridge.authoring.KernelhubSdk;
import io.kernelhub.core.DType;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.validate.bench.BenchReport;
import io.kernelhub.validate.bench.BenchResult;
import io.kernelhub.validate.bench.BenchShape;
import io.kernelhub.validate.bench.Bencher;
import io.kernelhub.validate.bench.Peers;
import io.kernelhub.validate.device.DeviceRunner;
import io.kernelhub.device.CudaDriver;
import io.kernelhub.device.CudaStatus;
import io.kernelhub.validate.run.ValidationTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kernelhub bench IMPL...}: GFLOP/s per shape, with a peer measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark implementations (registry names, hub ids or build directories) per shape: GFLOP/s with the "
                + "FLOP formula stated, the ratio to a peer measured in the same run (--peer torch|sgemm, via the "
                + "checkout's bench/ scripts), a plot with --html.")
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "IMPL", arity = "1..*", description = "e.g. sdpa kernels-community/flash-attn2")
    List<String> impls;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--shapes", split = ",", paramLabel = "BxHxSQxSKxD",
            description = "Shapes (default: 1x8x512x512x128,1x8x1024x1024x128,1x8x2048x2048x128,1x8x4096x4096x128).")
    List<String> shapes = new ArrayList<>(List.of("1x8x512x512x128", "1x8x1024x1024x128", "1x8x2048x2048x128",
            "1x8x4096x4096x128"));

    @Option(names = "--dtype", defaultValue = "f32", description = "f32, f16 or bf16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--causal", defaultValue = "both", description = "yes, no or both (default: ${DEFAULT-VALUE}).")
    String causal;

    @Option(names = "--peer", paramLabel = "PEER",
            description = "A peer measured in the same run: torch or sgemm (CPU), sdpa-flash or sdpa-cudnn (PyTorch SDPA on CUDA).")
    String peer;

    @Option(names = "--iters", defaultValue = "10", description = "Timed calls per shape; the median counts (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--warmup-seconds", defaultValue = "1.0", description = "Warm-up per shape (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--html", paramLabel = "FILE", description = "HTML page with a plot and the table.")
    Path html;

    @Option(names = "--json", paramLabel = "FILE", description = "JSON results.")
    Path json;

    @Override
    public Integer call() throws IOException {
        DeviceRunner runner;
        try {
            runner = DeviceRunner.forDevice(device);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--device must be cpu, cuda or cuda:N, got '" + device + "'");
        }
        boolean gpu = runner.kind() == io.kernelhub.core.Device.Kind.CUDA;
        if (gpu && CudaDriver.status() instanceof CudaStatus.Unavailable u) {
            throw new IllegalArgumentException("cannot benchmark on " + device + ": CUDA is unavailable here (" + u.reason() + ")");
        }
        List<String> peers = gpu ? List.of("sdpa-flash", "sdpa-cudnn") : List.of("torch", "sgemm");
        if (peer != null && !peers.contains(peer)) {
            throw new IllegalArgumentException("--peer on " + (gpu ? "cuda" : "cpu") + " must be one of " + peers + ", got '"
                    + peer + "'");
        }
        if (iters < 1) throw new IllegalArgumentException("--iters must be >= 1");
        DType dt = DType.parse(dtype);
        List<Boolean> modes = switch (causal) {
            case "yes" -> List.of(true);
            case "no" -> List.of(false);
            case "both" -> List.of(false, true);
            default -> throw new IllegalArgumentException("--causal must be yes, no or both, got '" + causal + "'");
        };
        List<BenchShape> all = new ArrayList<>();
        for (boolean c : modes) {
            for (String s : shapes) all.add(BenchShape.parse(s, dt, c));
        }
        List<BenchResult> results = new ArrayList<>();
        Bencher bencher = new Bencher(iters, warmup);
        PrintWriter err = spec.commandLine().getErr();
        List<AttentionImplementation> loaded = new ArrayList<>();
        for (String name : impls) {
            loaded.add(ValidationTarget.parse(name).load()); // every target resolves before any time is spent
        }
        for (AttentionImplementation impl : loaded) {
            for (BenchShape s : all) {
                err.println("bench: " + impl.name() + " " + s.label());
                err.flush();
                results.add(bencher.run(impl, s, runner));
            }
        }
        if (peer != null) {
            String root = System.getProperty(KernelhubSdk.PROPERTY);
            results.addAll(Peers.run(peer, all, root == null ? null : Path.of(root), Runtime.getRuntime().availableProcessors()));
        }
        BenchReport report = new BenchReport(results, peer, device);
        PrintWriter out = spec.commandLine().getOut();
        out.print(report.table());
        out.flush();
        OutputFiles.createParents(html, json);
        if (json != null) report.writeJson(json);
        if (html != null) report.writeHtml(html);
        return ExitCodes.OK;
    }
}
