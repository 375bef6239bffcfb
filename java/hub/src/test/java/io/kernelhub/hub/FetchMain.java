package io.kernelhub.hub;

import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.hub.transport.RetryPolicy;
import io.kernelhub.hub.transport.TransferListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A child JVM for the multi-process tests: {@code FetchMain HOME HUB_URL ID THREADS} fetches the
 * id from that many threads and prints one library path per thread; exit 0 when all succeeded.
 */
public final class FetchMain {
    private FetchMain() {}

    public static void main(String[] args) throws Exception {
        HubSettings s = new HubSettings(Path.of(args[0]), List.of(args[1]), false, false, null, null,
                new RetryPolicy(4, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5), Duration.ofSeconds(5)));
        int threads = Integer.parseInt(args[3]);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Path>> fs = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            fs.add(pool.submit(() -> HubKernelResolver.client(s, TransferListener.NONE).fetch(HubKernelId.parse(args[2])).library()));
        }
        int failed = 0;
        for (Future<Path> f : fs) {
            try {
                System.out.println(f.get());
            } catch (Exception e) {
                failed++;
                System.err.println("FAILED: " + e.getCause());
            }
        }
        pool.shutdown();
        System.exit(failed == 0 ? 0 : 1);
    }
}
