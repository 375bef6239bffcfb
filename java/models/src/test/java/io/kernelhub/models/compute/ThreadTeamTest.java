package io.kernelhub.models.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ThreadTeamTest {

    @Test
    void everyChunkRunsExactlyOnceAcrossManyLoops() {
        try (ThreadTeam team = new ThreadTeam(3, "test")) {
            for (int loop = 0; loop < 2000; loop++) {
                int chunks = 1 + loop % 37;
                AtomicIntegerArray hits = new AtomicIntegerArray(chunks);
                team.run(chunks, hits::incrementAndGet);
                for (int i = 0; i < chunks; i++) {
                    assertThat(hits.get(i)).as("loop %d chunk %d", loop, i).isEqualTo(1);
                }
            }
        }
    }

    /**
     * Loops of alternating sizes back to back: a worker late for one loop must never run a chunk
     * of the next (which would run a chunk twice, pass an index past the loop's count, or let
     * run() return before a chunk finished).
     */
    @Test
    void aLateWorkerNeverRunsAChunkOfTheNextLoop() {
        try (ThreadTeam team = new ThreadTeam(3, "test")) {
            java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger bad = new java.util.concurrent.atomic.AtomicInteger();
            for (int loop = 0; loop < 200_000; loop++) {
                int chunks = loop % 2 == 0 ? 2 : 7;
                count.set(0);
                team.run(chunks, i -> {
                    if (i >= chunks) {
                        bad.incrementAndGet();
                    }
                    count.incrementAndGet();
                });
                if (count.get() != chunks) {
                    bad.incrementAndGet();
                }
            }
            assertThat(bad.get()).isZero();
        }
    }

    @Test
    void aFailingChunkIsRethrownAfterTheOthersRun() {
        try (ThreadTeam team = new ThreadTeam(2, "test")) {
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            assertThatThrownBy(() -> team.run(10, i -> {
                hits.incrementAndGet(i);
                if (i == 4) {
                    throw new IllegalArgumentException("chunk 4");
                }
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("chunk 4");
            for (int i = 0; i < 10; i++) {
                assertThat(hits.get(i)).isEqualTo(1);
            }
            // still usable afterwards
            AtomicIntegerArray again = new AtomicIntegerArray(5);
            team.run(5, again::incrementAndGet);
            assertThat(again.get(4)).isEqualTo(1);
        }
    }

    @Test
    void closedTeamRefusesWork() {
        ThreadTeam team = new ThreadTeam(2, "test");
        team.close();
        team.close();
        assertThatThrownBy(() -> team.run(3, i -> { })).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new ThreadTeam(0, "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
