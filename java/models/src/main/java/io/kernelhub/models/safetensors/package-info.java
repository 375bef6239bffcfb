/**
 * Hugging Face safetensors checkpoints, memory-mapped through FFM.
 *
 * <ul>
 *   <li>{@link io.kernelhub.models.safetensors.SafetensorsFile}: one {@code .safetensors} file,
 *       mapped read-only, its header validated, tensors as zero-copy {@code MemorySegment} views.</li>
 *   <li>{@link io.kernelhub.models.safetensors.SafetensorsCheckpoint}: a model directory, either
 *       {@code model.safetensors} or the shards that {@code model.safetensors.index.json} lists.</li>
 *   <li>{@link io.kernelhub.models.safetensors.TensorSource}: what both offer: lookup, {@code require}
 *       with the model's expected dtype and shape, and conversion to {@code float[]} or a core
 *       {@code Tensor} of any dtype.</li>
 *   <li>{@link io.kernelhub.models.safetensors.SafetensorsWriter}: writes files and sharded
 *       directories byte-compatible with the reference implementation, from arrays or from
 *       values generated block by block while writing (checkpoints larger than memory).</li>
 *   <li>{@link io.kernelhub.models.safetensors.CheckpointException}: the one exception for bad
 *       input, naming the file and the tensor (the CLI maps it to exit status 2).</li>
 * </ul>
 */
package io.kernelhub.models.safetensors;
