package io.kernelhub.validate.run;

import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.device.CudaDriver;
import io.kernelhub.device.CudaStatus;
import io.kernelhub.validate.device.DeviceRunner;
import io.kernelhub.validate.grid.ValidationCase;
import io.kernelhub.validate.grid.ValidationGrid;
import io.kernelhub.validate.report.ValidationReport;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * One {@code kernelhub validate} run: resolve the target, choose the dtypes (those asked for,
 * default every dtype the kernel declares), build the grid, run it in this JVM or isolated, and
 * collect the report.
 *
 * @param target   what to validate
 * @param device   {@code cpu} or {@code cuda}
 * @param grid     quick or full
 * @param dtypes   dtypes to sweep, or empty for every declared one
 * @param seed     input seed
 * @param repeats  extra runs per case for the determinism check
 * @param isolate  run cases in child JVMs
 * @param crashDir where child JVM crash logs go
 */
public record ValidationRun(ValidationTarget target, String device, ValidationGrid.Size grid, List<DType> dtypes, long seed,
        int repeats, boolean isolate, Path crashDir) {

    public ValidationReport execute(Consumer<CaseResult> progress) throws IOException {
        Device dev;
        try {
            dev = Device.parse(device);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--device must be cpu, cuda or cuda:N, got '" + device + "'");
        }
        Device.Kind kind = dev.kind();
        if (kind == Device.Kind.CUDA && CudaDriver.status() instanceof CudaStatus.Unavailable u) {
            throw new IllegalStateException("cannot validate on " + device + ": CUDA is unavailable here (" + u.reason() + ")");
        }
        DeviceRunner runner = DeviceRunner.forDevice(device);
        AttentionImplementation impl = target.load();
        if (!impl.capabilities().devices().contains(kind)) {
            throw new IllegalArgumentException(impl.name() + " does not run on " + device + " (it declares "
                    + impl.capabilities().devices() + ")");
        }
        List<DType> sweep = new ArrayList<>(dtypes.isEmpty() ? List.copyOf(impl.capabilities().dtypes()) : dtypes);
        sweep.sort(null);
        List<ValidationCase> cases = ValidationGrid.cases(grid, sweep, seed);
        Instant start = Instant.now();
        long t0 = System.nanoTime();
        List<CaseResult> results;
        if (isolate) {
            String dt = String.join(",", sweep.stream().map(d -> d.name().toLowerCase(Locale.ROOT)).toList());
            results = new IsolatedRunner(target.spec(), grid.name(), dt, seed, repeats, crashDir, device).run(cases, progress);
        } else {
            Validator v = new Validator(impl, repeats, runner);
            results = new ArrayList<>();
            for (ValidationCase c : cases) {
                CaseResult r = v.run(c);
                results.add(r);
                progress.accept(r);
            }
        }
        return new ValidationReport(target.spec(), impl.name(), impl.description(), device, grid.name().toLowerCase(Locale.ROOT),
                String.join(",", sweep.stream().map(d -> d.name().toLowerCase(Locale.ROOT)).toList()), seed, isolate, host(),
                start.truncatedTo(ChronoUnit.SECONDS).toString(), (System.nanoTime() - t0) / 1e9, results);
    }

    private static String host() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            name = "localhost";
        }
        return name + " (" + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version().feature() + ")";
    }
}
