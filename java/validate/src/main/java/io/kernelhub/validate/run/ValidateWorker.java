package io.kernelhub.validate.run;

import io.kernelhub.core.DType;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.validate.grid.ValidationCase;
import io.kernelhub.validate.grid.ValidationGrid;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The child JVM of {@code validate --isolate}: {@code ValidateWorker TARGET GRID DTYPES SEED REPEATS DEVICE}
 * loads the target, then reads case ids from stdin and answers each with one
 * {@code RESULT <json>} line; {@code READY} once loaded. A native crash kills only this process.
 */
public final class ValidateWorker {
    private ValidateWorker() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        List<DType> dtypes = Arrays.stream(args[2].split(",")).map(DType::parse).toList();
        List<ValidationCase> cases = ValidationGrid.cases(ValidationGrid.Size.parse(args[1]), dtypes, Long.parseLong(args[3]));
        AttentionImplementation impl;
        try {
            impl = ValidationTarget.parse(args[0]).load();
        } catch (RuntimeException e) {
            out.println("LOADFAIL " + String.valueOf(e.getMessage()).replace('\n', ' '));
            System.exit(2);
            return;
        }
        Validator v = new Validator(impl, Integer.parseInt(args[4]),
                io.kernelhub.validate.device.DeviceRunner.forDevice(args.length > 5 ? args[5] : "cpu"));
        out.println("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) continue;
            int id = Integer.parseInt(line.trim());
            out.println("STARTED " + id);
            out.println("RESULT " + ResultCodec.toJson(v.run(cases.get(id))));
        }
    }
}
