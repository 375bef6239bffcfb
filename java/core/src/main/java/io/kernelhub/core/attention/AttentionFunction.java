package io.kernelhub.core.attention;

/**
 * One attention implementation's entry point. The request is already validated (shapes,
 * strides, dtypes, bounds) when it reaches an implementation; capability checks happen in
 * the registry before the call.
 */
@FunctionalInterface
public interface AttentionFunction {
    AttentionOutput forward(AttentionRequest request);
}
