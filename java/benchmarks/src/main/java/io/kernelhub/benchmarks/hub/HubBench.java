package io.kernelhub.benchmarks.hub;

import io.kernelhub.bridge.LocalKernels;
import io.kernelhub.core.attention.AttentionImplementation;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.hub.HubClient;
import io.kernelhub.hub.HubFiles;
import io.kernelhub.hub.HubKernelResolver;
import io.kernelhub.hub.HubSettings;
import io.kernelhub.hub.transport.RetryPolicy;
import io.kernelhub.hub.transport.TransferListener;
import io.kernelhub.hub.trust.KeyRing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Hub timings for bench/hub.sh (not JMH: each measurement needs a fresh JVM or an empty cache).
 * <ul>
 *   <li>{@code jvm-start}: an empty main (the script times the whole process: the baseline);</li>
 *   <li>{@code warm-load HOME HUB ID}: the id resolved, loaded and registered with a warm cache,
 *       timed inside main (the script times the whole process too);</li>
 *   <li>{@code cold HUB ID KEYS_DIR RUNS WORK}: download + verify + unpack into an empty cache,
 *       RUNS times (one JSON line per run, with MB/s of the archive).</li>
 * </ul>
 */
public final class HubBench {
    private HubBench() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "jvm-start" -> System.out.println("{\"mode\": \"jvm-start\"}");
            case "warm-load" -> {
                HubSettings s = settings(Path.of(args[1]), args[2]);
                long t0 = System.nanoTime();
                AttentionInterface r = AttentionInterface.standalone();
                r.setHubResolver(new HubKernelResolver(s, LocalKernels.parse(null), TransferListener.NONE));
                AttentionImplementation impl = r.get(args[3]);
                double ms = (System.nanoTime() - t0) / 1e6;
                System.out.printf(Locale.ROOT, "{\"mode\": \"warm-load\", \"resolve_load_ms\": %.1f, \"impl\": \"%s\"}%n", ms,
                        impl.name());
            }
            case "cold" -> {
                int runs = Integer.parseInt(args[4]);
                Path work = Path.of(args[5]);
                for (int i = 0; i < runs; i++) {
                    Path home = work.resolve("cold-" + i);
                    HubFiles.deleteTree(home);
                    new KeyRing(home.resolve("keys")).trustForAnyOrg(Files.readString(Path.of(args[3]).resolve("signing.pub")));
                    HubClient c = HubKernelResolver.client(settings(home, args[1]), TransferListener.NONE);
                    long t0 = System.nanoTime();
                    HubClient.Installed inst = c.fetch(HubKernelId.parse(args[2]));
                    double ms = (System.nanoTime() - t0) / 1e6;
                    long bytes = inst.variant().size();
                    System.out.printf(Locale.ROOT, "{\"mode\": \"cold\", \"run\": %d, \"archive_bytes\": %d, \"ms\": %.1f, "
                            + "\"mb_per_s\": %.1f}%n", i, bytes, ms, bytes / 1e6 / (ms / 1e3));
                    HubFiles.deleteTree(home);
                }
            }
            default -> throw new IllegalArgumentException("mode: jvm-start | warm-load | cold");
        }
    }

    static HubSettings settings(Path home, String hub) {
        return new HubSettings(home, List.of(hub), false, false, null, null, RetryPolicy.DEFAULT);
    }
}
