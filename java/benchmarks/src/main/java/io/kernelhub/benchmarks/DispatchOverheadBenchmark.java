package io.kernelhub.benchmarks;

import io.kernelhub.bridge.BundleLoader;
import io.kernelhub.bridge.LoadedBundle;
import io.kernelhub.bridge.generated.kh_attention_args;
import io.kernelhub.bridge.generated.kh_attention_fn;
import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.AttentionOutput;
import io.kernelhub.core.attention.AttentionRequest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What kernelhub adds around a native op: building and validating the request, the registry
 * lookup and capability check, and marshalling the arguments, against a bare downcall of the
 * same op with a prepared argument struct. The op returns at once, so the difference is all
 * overhead (target: at most 1 microsecond).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class DispatchOverheadBenchmark {

    private static final String NAME = "bench/noop";

    private AttentionInterface registry;
    private Tensor q;
    private Tensor k;
    private Tensor v;
    private Tensor out;
    private AttentionRequest request;
    private MemorySegment fn;
    private MemorySegment args;
    private MemorySegment err;
    private final MethodHandle invoker = Linker.nativeLinker().downcallHandle(kh_attention_fn.descriptor());

    @Setup
    public void setup() throws IOException, InterruptedException {
        Path lib = buildNoopBundle();
        LoadedBundle bundle = BundleLoader.load(lib, NAME);
        registry = AttentionInterface.standalone();
        bundle.registerIn(registry);
        q = Tensor.randn(DType.F32, 1, 1, 1, 2, 64);
        k = Tensor.randn(DType.F32, 2, 1, 8, 1, 64);
        v = Tensor.randn(DType.F32, 3, 1, 8, 1, 64);
        out = Tensor.zeros(DType.F32, 1, 1, 2, 64);
        request = AttentionRequest.builder(q, k, v).out(out).causal(true).build();
        fn = bundle.defaultOp().function();
        Arena arena = Arena.ofAuto();
        args = kh_attention_args.allocate(arena);
        kh_attention_args.struct_size(args, (int) kh_attention_args.sizeof());
        err = arena.allocate(1024);
    }

    /** The op through a bare FFM downcall with a prepared struct: the floor. */
    @Benchmark
    public int bareDowncall() throws Throwable {
        return (int) invoker.invokeExact(fn, args, err, 1024L);
    }

    /** Registry call with a request built once (lookup, capability check, marshalling, downcall). */
    @Benchmark
    public AttentionOutput registryCallPrebuiltRequest() {
        return registry.attend(NAME, request);
    }

    /** Everything a user pays per call: build + validate the request, then the registry call. */
    @Benchmark
    public AttentionOutput buildValidateAndCall() {
        AttentionRequest r = AttentionRequest.builder(q, k, v).out(out).causal(true).build();
        return registry.attend(NAME, r);
    }

    private static Path buildNoopBundle() throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("kernelhub.repo", ".")).toAbsolutePath();
        Path src = root.resolve("java/benchmarks/src/main/native/noop_bundle.c");
        if (!Files.isRegularFile(src)) {
            throw new IllegalStateException("run from the repository root (or pass -Dkernelhub.repo=DIR): " + src + " not found");
        }
        Path dir = Files.createTempDirectory("kh-jmh");
        Path lib = dir.resolve("libnoop.so");
        Process p = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-I" + root.resolve("native/include"),
                src.toString(), "-o", lib.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("gcc failed to build " + src);
        }
        return lib;
    }
}
