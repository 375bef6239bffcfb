package io.kernelhub.validate.run;

/**
 * What happened to one case.
 *
 * @param name      the case's name (see {@link io.kernelhub.validate.grid.ValidationCase#name()})
 * @param features  its features, space-separated
 * @param status    passed, failed or skipped
 * @param message   why it failed or was skipped (null when passed)
 * @param maxErr    max |out - f64 reference| (NaN when not run)
 * @param tolerance 2 x low-precision eager's error + 1e-5 (NaN when not run)
 * @param lseErr    max LSE error (NaN when no LSE)
 * @param lseTol    LSE tolerance (NaN when no LSE)
 * @param millis    time of one call of the kernel (NaN when not run)
 * @param flops     FLOPs of the case (4 * d * heads * unmasked pairs)
 * @param seqK      keys per sequence (for the throughput plot)
 */
public record CaseResult(String name, String features, Status status, String message, double maxErr, double tolerance,
        double lseErr, double lseTol, double millis, double flops, int seqK) {

    public enum Status { PASSED, FAILED, SKIPPED }

    public static CaseResult skipped(String name, String features, String why, double flops, int seqK) {
        return new CaseResult(name, features, Status.SKIPPED, why, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                flops, seqK);
    }

    public static CaseResult failed(String name, String features, String why, double flops, int seqK) {
        return new CaseResult(name, features, Status.FAILED, why, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                flops, seqK);
    }

    public double gflops() {
        return flops / millis / 1e6;
    }
}
