package io.kernelhub.models.safetensors;

import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Named tensors backed by memory-mapped safetensors files: one file ({@link SafetensorsFile}) or
 * a model directory ({@link SafetensorsCheckpoint}).
 *
 * <p>Three ways to get at a tensor's values, from cheapest to dearest:
 * <ul>
 *   <li>{@link #slice} and {@link #view}: zero-copy views of the mapped file. Nothing is read
 *       until an element is touched, and then only that page, by the operating system. The
 *       memory is read-only and valid until {@link #close()}.</li>
 *   <li>{@link #load}: a contiguous {@link Tensor} of a requested dtype, converted once, in
 *       native memory (not the Java heap) that stays valid after close. It costs
 *       {@code numel × target.byteSize()} bytes on top of the page cache: a bf16 tensor loaded
 *       as f32 takes twice its file size, loaded as bf16 the same size.</li>
 *   <li>{@link #readFloats}: the values widened to f32 in a Java {@code float[]}, for the tiny
 *       models' heap-array weights. Costs {@code 4 × numel} heap bytes: twice a bf16/f16
 *       file's size, the same as an f32 file's.</li>
 * </ul>
 *
 * <p>Every problem with the checkpoint surfaces as a {@link CheckpointException} naming the file
 * and the tensor. Using a source after {@link #close()} throws {@link IllegalStateException}.
 */
public sealed interface TensorSource extends AutoCloseable permits SafetensorsFile, SafetensorsCheckpoint {

    /** Elements converted per step by {@link #load}: bounds its scratch buffer. */
    int CONVERT_CHUNK = 1 << 16;

    /** The file named in messages about the source as a whole (a missing tensor, for example). */
    Path path();

    /** Every tensor name, in a fixed order (file order; shard by shard for a sharded checkpoint). */
    List<String> names();

    /** Where a tensor lives, or empty when there is none by that name. */
    Optional<TensorInfo> find(String name);

    /**
     * The tensor's bytes as a read-only view of the mapped file: no copy, no read until touched.
     * Little-endian, row-major, in the tensor's own dtype. Valid until {@link #close()}.
     *
     * @throws CheckpointException when there is no such tensor
     */
    MemorySegment slice(String name);

    /** Unmaps every file; views handed out before become inaccessible. Idempotent. */
    @Override
    void close();

    default boolean contains(String name) {
        return find(name).isPresent();
    }

    /**
     * Where a tensor lives.
     *
     * @throws CheckpointException naming the checkpoint and the tensor when there is none
     */
    default TensorInfo info(String name) {
        Objects.requireNonNull(name, "name");
        return find(name).orElseThrow(() -> new CheckpointException(path(), name,
                "not in the checkpoint (it has " + names().size() + " tensors)",
                "the checkpoint is incomplete or is not for this model: check the model directory"));
    }

    /**
     * The tensor a model cannot do without: it must exist, have a dtype kernelhub reads, the
     * expected dtype when one is given, and exactly the expected shape.
     *
     * @param expectedDType the dtype it must have, or null for any of F32, F16, BF16
     * @param expectedShape the exact shape it must have
     * @throws CheckpointException naming the file and the tensor when it does not
     */
    default TensorInfo require(String name, DType expectedDType, long... expectedShape) {
        Objects.requireNonNull(expectedShape, "expectedShape");
        TensorInfo info = info(name);
        DType actual = info.coreDType();
        if (expectedDType != null && actual != expectedDType) {
            throw new CheckpointException(info.file(), name, "dtype " + info.dtype() + " but the model expects "
                    + SafetensorsDType.of(expectedDType), "convert the checkpoint or load it with a matching dtype");
        }
        if (!info.hasShape(expectedShape)) {
            throw new CheckpointException(info.file(), name, "shape " + info.shapeText()
                    + " but the model expects " + Arrays.toString(expectedShape),
                    "the checkpoint does not match the model's config.json: check that they belong together");
        }
        return info;
    }

    /**
     * A zero-copy {@link Tensor} (CPU, contiguous) over the mapped bytes, in the tensor's own
     * dtype. Read-only: writing to it throws IllegalArgumentException. Valid until {@link #close()}.
     *
     * @throws CheckpointException for a missing tensor or an unsupported dtype
     * @throws IllegalStateException on a big-endian machine, where the file's bytes are not a
     *                               native tensor (use {@link #load} there)
     */
    default Tensor view(String name) {
        TensorInfo info = info(name);
        DType type = info.coreDType();
        int[] shape = info.intShape();
        if (!Elements.NATIVE_IS_LITTLE) {
            throw new IllegalStateException("zero-copy views need a little-endian machine; use load()");
        }
        return Tensor.wrap(slice(name), type, Device.CPU, shape, Tensor.contiguousStrides(shape), 0);
    }

    /**
     * The tensor converted once to {@code target} (exact widening, nearest-even narrowing) in
     * native memory that the garbage collector frees. Costs {@code numel × target.byteSize()}
     * bytes: double the file's bytes for bf16/f16 loaded as f32.
     */
    default Tensor load(String name, DType target) {
        return load(name, target, Arena.ofAuto());
    }

    /** As {@link #load(String, DType)}, allocated in {@code arena} (freed when it closes). */
    default Tensor load(String name, DType target, Arena arena) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(arena, "arena");
        TensorInfo info = info(name);
        DType source = info.coreDType();
        Tensor out = Tensor.zeros(arena, target, info.intShape());
        MemorySegment bytes = slice(name);
        if (source == target && Elements.NATIVE_IS_LITTLE) {
            MemorySegment.copy(bytes, 0, out.segment(), 0, info.byteLength());
            return out;
        }
        long n = info.numel();
        float[] chunk = new float[(int) Math.min(n, CONVERT_CHUNK)];
        for (long done = 0; done < n; ) {
            int len = (int) Math.min(CONVERT_CHUNK, n - done);
            Elements.read(bytes, source, done, chunk, 0, len);
            out.writeFloats(done, 1, chunk, 0, len);
            done += len;
        }
        return out;
    }

    /** All values widened exactly to f32, row-major, in a new heap array of {@code numel} floats. */
    default float[] readFloats(String name) {
        TensorInfo info = info(name);
        info.coreDType();
        if (info.numel() > Integer.MAX_VALUE - 8) {
            throw new CheckpointException(info.file(), name, info.numel() + " elements do not fit a Java array",
                    "use view() or load() for tensors this large");
        }
        float[] out = new float[(int) info.numel()];
        readFloats(name, out, 0);
        return out;
    }

    /**
     * Widens all values into a caller's array, which must hold exactly {@code numel} floats (a
     * different length means the model and the checkpoint disagree on the shape).
     */
    default void readFloats(String name, float[] dst) {
        TensorInfo info = info(name);
        if (dst.length != info.numel()) {
            throw new CheckpointException(info.file(), name, "holds " + info.numel() + " elements (shape "
                    + info.shapeText() + ") but the model's array holds " + dst.length,
                    "the checkpoint does not match the model's config.json: check that they belong together");
        }
        readFloats(name, dst, 0);
    }

    /** Widens all values into {@code dst[offset .. offset + numel)} (to pack several tensors into one array). */
    default void readFloats(String name, float[] dst, int offset) {
        TensorInfo info = info(name);
        DType type = info.coreDType();
        long n = info.numel();
        if (offset < 0 || offset > dst.length || n > dst.length - offset) {
            throw new CheckpointException(info.file(), name, "holds " + n + " elements (shape " + info.shapeText()
                    + ") which do not fit an array of " + dst.length + " from index " + offset,
                    "the checkpoint does not match the model's config.json: check that they belong together");
        }
        Elements.read(slice(name), type, 0, dst, offset, (int) n);
    }
}
