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

    /** The ISA path the bundle dispatches to, from its diagnostic export {@code fa2_cpu_isa()}. */
    static String isaInUse() throws Throwable {
        NativeLibrary lib = NativeLibrary.open(library().toAbsolutePath());
        MemorySegment fn = lib.find("fa2_cpu_isa").orElseThrow();
        MemorySegment s = (MemorySegment) Linker.nativeLinker()
                .downcallHandle(fn, FunctionDescriptor.of(ValueLayout.ADDRESS)).invokeExact();
        return s.reinterpret(64).getString(0);
    }
}
