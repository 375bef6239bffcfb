package io.kernelhub.bridge;

import io.kernelhub.core.attention.AttentionCapabilities;
import java.lang.foreign.MemorySegment;

/**
 * One operation a bundle registered, as validated from its {@code kh_op_desc}.
 *
 * @param name         op name inside the bundle
 * @param description  one line
 * @param capabilities what the op declared
 * @param isDefault    whether {@code org/name} without {@code :op} selects it
 * @param function     address of its {@code kh_attention_fn}
 */
public record NativeOp(String name, String description, AttentionCapabilities capabilities, boolean isDefault,
                       MemorySegment function) {
}
