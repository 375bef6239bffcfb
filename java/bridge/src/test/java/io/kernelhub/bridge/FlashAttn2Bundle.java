package io.kernelhub.bridge;

import io.kernelhub.core.attention.AttentionInterface;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/** kernels-community/flash-attn2 built from the repository by the kernelhub CMake module. */
final class FlashAttn2Bundle {

    static final String ID = "kernels-community/flash-attn2";

    private FlashAttn2Bundle() {
    }

    static Path buildDir() {
        return KernelBuilds.repoKernel(ID);
    }

    static AttentionInterface registry() {
        return KernelBuilds.registryWith(ID, buildDir());
    }

    static Path library() {
        return buildDir().resolve("cpu-" + LocalVariant.machineArch() + "-" + LocalVariant.machineOs())
                .resolve("libflash-attn2.so");
    }

    /**
     * The ISA path the bundle's calls take now, from its diagnostic export {@code fa2_cpu_isa()}:
     * {@code avx512bf16}, {@code avx512}, {@code avx2}, {@code portable} or {@code unavailable}.
     */
    static String isaInUse() throws Throwable {
        return diagnostic("fa2_cpu_isa");
    }

    /**
     * The kernels the latest call from this thread actually ran, from {@code fa2_cpu_isa_last()}:
     * {@code avx512bf16} (bf16 inputs on AVX512_BF16), {@code avx512}, {@code avx2}, {@code portable},
     * or {@code none} when that call failed before choosing kernels.
     */
    static String kernelsLastRun() throws Throwable {
        return diagnostic("fa2_cpu_isa_last");
    }

    private static String diagnostic(String export) throws Throwable {
        NativeLibrary lib = NativeLibrary.open(library().toAbsolutePath());
        MemorySegment fn = lib.find(export).orElseThrow(() -> new AssertionError(library() + " does not export " + export));
        MemorySegment s = (MemorySegment) Linker.nativeLinker()
                .downcallHandle(fn, FunctionDescriptor.of(ValueLayout.ADDRESS)).invokeExact();
        return s.reinterpret(128).getString(0);
    }
}
