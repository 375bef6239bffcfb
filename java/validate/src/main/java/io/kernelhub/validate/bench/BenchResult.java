package io.kernelhub.validate.bench;

/**
 * One measurement: an implementation (or a peer) on a shape.
 *
 * @param impl   implementation or peer name
 * @param shape  the shape
 * @param millis median time of one call
 * @param gflops FLOPs / time
 * @param error  why it was not measured, or null
 */
public record BenchResult(String impl, BenchShape shape, double millis, double gflops, String error) {}
