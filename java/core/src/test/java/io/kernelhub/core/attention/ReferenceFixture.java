package io.kernelhub.core.attention;

import io.kernelhub.core.DType;
import io.kernelhub.core.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One case of the independent reference fixtures (test resources {@code reference-fixtures/},
 * made by {@code scripts/reference-fixtures/make_fixtures.py} with NumPy in f64): the
 * parameters from its line of {@code index.txt} and the folder holding its .npy files.
 *
 * @param scale   the explicit softmax scale, NaN for the default 1/sqrt(head_dim)
 * @param shifted the mask edge moved by one key in {@code out_shifted.npy} ("end" or "first"),
 *                or null when the case has no shifted variant
 */
record ReferenceFixture(String name, DType dtype, String layout, int batch, int headsQ, int headsKv, int headDim,
                        int seqQ, int seqK, boolean causal, int windowLeft, int windowRight, float softcap, double scale,
                        int[] seqlensK, int[] cuSeqlensQ, int[] cuSeqlensK, String shifted, Path dir) {

    static final String RESOURCE = "reference-fixtures";
    static final String REGENERATE = "regenerate with python3 scripts/reference-fixtures/make_fixtures.py";

    /** The fixture folder; missing fixtures are a failure, never a skip. */
    static Path directory() {
        URL index = ReferenceFixture.class.getClassLoader().getResource(RESOURCE + "/index.txt");
        if (index == null) {
            throw new IllegalStateException("the reference fixtures (" + RESOURCE + "/index.txt) are missing; " + REGENERATE);
        }
        try {
            return Path.of(index.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every case of the index, in its order. */
    static List<ReferenceFixture> all() {
        Path dir = directory();
        List<ReferenceFixture> cases = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(dir.resolve("index.txt"))) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    cases.add(parse(line, dir));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (cases.isEmpty()) {
            throw new IllegalStateException(RESOURCE + "/index.txt lists no case; " + REGENERATE);
        }
        return cases;
    }

    private static ReferenceFixture parse(String line, Path dir) {
        Map<String, String> f = new HashMap<>();
        for (String field : line.strip().split("\\s+")) {
            int eq = field.indexOf('=');
            if (eq <= 0) {
                throw new IllegalStateException("bad field '" + field + "' in index line: " + line);
            }
            f.put(field.substring(0, eq), field.substring(eq + 1));
        }
        String name = get(f, "name");
        String scale = get(f, "scale");
        String shifted = get(f, "shifted");
        return new ReferenceFixture(name, DType.parse(get(f, "dtype")), get(f, "layout"), integer(f, "batch"),
                integer(f, "heads_q"), integer(f, "heads_kv"), integer(f, "head_dim"), integer(f, "seq_q"),
                integer(f, "seq_k"), Boolean.parseBoolean(get(f, "causal")), integer(f, "window_left"),
                integer(f, "window_right"), Float.parseFloat(get(f, "softcap")),
                scale.equals("default") ? Double.NaN : Double.parseDouble(scale), ints(f, "seqlens_k"),
                ints(f, "cu_seqlens_q"), ints(f, "cu_seqlens_k"), shifted.equals("-") ? null : shifted, dir.resolve(name));
    }

    private static String get(Map<String, String> f, String key) {
        String v = f.get(key);
        if (v == null) {
            throw new IllegalStateException("index line of " + f.get("name") + " lacks " + key);
        }
        return v;
    }

    private static int integer(Map<String, String> f, String key) {
        return Integer.parseInt(get(f, key));
    }

    private static int[] ints(Map<String, String> f, String key) {
        String v = get(f, key);
        return v.equals("-") ? null : Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    boolean varlen() {
        return layout.equals("varlen");
    }

    /** (seq_q, seq_k) of every sequence, after padding or packing. */
    int[][] sequenceLengths() {
        int[][] lengths = new int[batch][];
        for (int b = 0; b < batch; b++) {
            lengths[b] = varlen() ? new int[] {cuSeqlensQ[b + 1] - cuSeqlensQ[b], cuSeqlensK[b + 1] - cuSeqlensK[b]}
                    : new int[] {seqQ, seqlensK == null ? seqK : seqlensK[b]};
        }
        return lengths;
    }

    /** The request this case describes, with the LSE, on the fixture's inputs; outputs allocated by the callee. */
    AttentionRequest request() {
        int[] qShape = varlen() ? new int[] {seqQ, headsQ, headDim} : new int[] {batch, seqQ, headsQ, headDim};
        int[] kShape = varlen() ? new int[] {seqK, headsKv, headDim} : new int[] {batch, seqK, headsKv, headDim};
        AttentionRequest.Builder b = AttentionRequest.builder(input("q", qShape), input("k", kShape), input("v", kShape))
                .causal(causal).window(windowLeft, windowRight).softcap(softcap).returnLse(true);
        if (!Double.isNaN(scale)) {
            b.scale(scale);
        }
        if (seqlensK != null) {
            b.seqlensK(seqlensK);
        }
        if (varlen()) {
            b.cuSeqlens(cuSeqlensQ, cuSeqlensK);
        }
        return b.build();
    }

    /** An input tensor in the case's dtype; its stored values must already be exact in that dtype. */
    private Tensor input(String file, int[] shape) {
        NpyFile npy = npy(file);
        if (!Arrays.equals(npy.shape(), shape)) {
            throw new IllegalStateException(name + "/" + file + ".npy has shape " + Arrays.toString(npy.shape())
                    + ", the index says " + Arrays.toString(shape));
        }
        float[] values = npy.floats();
        for (float x : values) {
            if (Float.floatToRawIntBits(dtype.round(x)) != Float.floatToRawIntBits(x)) {
                throw new IllegalStateException(name + "/" + file + ".npy holds " + x + ", not a " + dtype + " value");
            }
        }
        return Tensor.of(dtype, values, shape);
    }

    /** An f64 array of the case (out, lse, out_shifted, lse_shifted). */
    double[] doubles(String file) {
        return npy(file).doubles();
    }

    /** Rows (sequence, row, first, end) of the visible key ranges; first == end when a row sees no key. */
    int[][] ranges() {
        NpyFile npy = npy("ranges");
        if (npy.shape().length != 2 || npy.shape()[1] != 4) {
            throw new IllegalStateException(name + "/ranges.npy has shape " + Arrays.toString(npy.shape()));
        }
        int[] flat = npy.ints();
        int[][] rows = new int[npy.shape()[0]][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = Arrays.copyOfRange(flat, 4 * r, 4 * r + 4);
        }
        return rows;
    }

    NpyFile npy(String file) {
        Path path = dir.resolve(file + ".npy");
        try {
            return NpyFile.read(path);
        } catch (IOException e) {
            throw new UncheckedIOException("fixture " + path + " cannot be read; " + REGENERATE, e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
