package io.kernelhub.validate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kernelhub.core.DType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Peers measured in the same run, through the scripts in the checkout's {@code bench/}:
 * {@code torch} (PyTorch CPU eager attention, {@code bench/torch_attention.py}) and
 * {@code sgemm} (OpenBLAS {@code cblas_sgemm} on the attention's two products,
 * {@code bench/openblas_sgemm.py}). Both need python3 (with torch, or libopenblas).
 */
public final class Peers {

    private Peers() {}

    /**
     * The interpreter: {@code KERNELHUB_PYTHON}, else Debian's {@code /usr/bin/python3} (where
     * python3-torch installs), else {@code python3} from PATH.
     */
    static String python() {
        String env = System.getenv("KERNELHUB_PYTHON");
        if (env != null && !env.isBlank()) return env;
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** The peer's results for the shapes (one per shape; an error result when it cannot run). */
    public static List<BenchResult> run(String peer, List<BenchShape> shapes, Path repo, int threads) {
        List<BenchResult> out = new ArrayList<>();
        for (BenchShape s : shapes) {
            out.add(one(peer, s, repo, threads));
        }
        return out;
    }

    /** The result name a peer's rows carry. */
    public static String resultName(String peer) {
        return switch (peer) {
            case "torch" -> "torch-eager";
            case "sgemm" -> "openblas-sgemm";
            default -> "torch-" + peer; // sdpa-flash, sdpa-cudnn
        };
    }

    private static BenchResult one(String peer, BenchShape s, Path repo, int threads) {
        String name = resultName(peer);
        if (repo == null || !Files.isDirectory(repo.resolve("bench"))) {
            return new BenchResult(name, s, Double.NaN, Double.NaN, "peers need the kernelhub checkout's bench/ scripts "
                    + "(run ./kernelhub from the repository)");
        }
        String python = python();
        List<String> cmd;
        if (peer.startsWith("sdpa-")) {
            if (s.dtype() == DType.F32) {
                return new BenchResult(name, s, Double.NaN, Double.NaN, "the GPU peers run f16/bf16");
            }
            if (s.causal() && s.seqQ() != s.seqK()) {
                return new BenchResult(name, s, Double.NaN, Double.NaN,
                        "SDPA's is_causal is top-left aligned: causal peers need seq_q = seq_k");
            }
            cmd = List.of(python, repo.resolve("bench/gpu/torch_sdpa.py").toString(), "--seqs", Integer.toString(s.seqQ()),
                    "--seq-k", Integer.toString(s.seqK()), "--batch", Integer.toString(s.batch()), "--heads",
                    Integer.toString(s.heads()), "--kv-heads", Integer.toString(s.kvHeads()), "--head-dim",
                    Integer.toString(s.headDim()), "--dtype", s.dtype().name().toLowerCase(Locale.ROOT), "--causal",
                    s.causal() ? "1" : "0", "--backend", peer.substring("sdpa-".length()));
        } else if (s.seqQ() != s.seqK() || s.kvHeads() != s.heads()) {
            return new BenchResult(name, s, Double.NaN, Double.NaN, "the CPU peer scripts measure seq_q = seq_k without GQA");
        } else if (peer.equals("torch")) {
            if (s.dtype() == DType.F16) {
                return new BenchResult(name, s, Double.NaN, Double.NaN, "CPU PyTorch has no fast f16 matmul");
            }
            cmd = List.of(python, repo.resolve("bench/torch_attention.py").toString(), "--seqs", Integer.toString(s.seqQ()),
                    "--batch", Integer.toString(s.batch()), "--heads", Integer.toString(s.heads()), "--head-dim",
                    Integer.toString(s.headDim()), "--dtype", s.dtype().name().toLowerCase(Locale.ROOT), "--threads",
                    Integer.toString(threads));
        } else {
            cmd = List.of(python, repo.resolve("bench/openblas_sgemm.py").toString(), "--seqs", Integer.toString(s.seqQ()),
                    "--heads", Integer.toString(s.heads() * s.batch()), "--head-dim", Integer.toString(s.headDim()),
                    "--square", "0", "--threads", Integer.toString(threads));
        }
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return new BenchResult(name, s, Double.NaN, Double.NaN, "the peer script failed (exit " + p.exitValue()
                        + "): is python3" + (peer.equals("torch") ? " with torch" : " with libopenblas") + " installed?");
            }
            ObjectMapper m = new ObjectMapper();
            for (String line : text.lines().toList()) {
                JsonNode n = m.readTree(line);
                if (n.has("error")) {
                    return new BenchResult(name, s, Double.NaN, Double.NaN, "the peer failed: " + n.path("error").asText());
                }
                boolean match = peer.equals("sgemm") || n.path("causal").asBoolean() == s.causal();
                if (match && n.has("gflops") && n.path("seq").asInt(s.seqQ()) == s.seqQ()) {
                    // sgemm: the rate of the attention-shaped products; for causal shapes, the rate of a kernel
                    // that computes only the visible pairs at sgemm speed
                    double g = n.path("gflops").asDouble();
                    return new BenchResult(name, s, s.flops() / g / 1e6, g, null);
                }
            }
            return new BenchResult(name, s, Double.NaN, Double.NaN, "no result line from the peer script");
        } catch (IOException e) {
            return new BenchResult(name, s, Double.NaN, Double.NaN, "cannot run python3: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new BenchResult(name, s, Double.NaN, Double.NaN, "interrupted");
        }
    }
}
