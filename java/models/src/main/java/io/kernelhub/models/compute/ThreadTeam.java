package io.kernelhub.models.compute;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed team of threads that runs one parallel loop at a time, for the matrix products of a
 * forward pass: a decode step runs ~100 short loops per token, so handing work out must cost
 * microseconds, not the tens of microseconds of a fork-join submission, and must allocate
 * nothing. The calling thread works too, so a team of {@code n} owns {@code n - 1} daemon
 * threads. Workers spin briefly between loops, then park.
 *
 * <p>Chunks are claimed from one atomic word that holds the loop's epoch in its high half and
 * the next chunk index in its low half, so a worker still finishing the previous loop can never
 * claim a chunk of the next one. Not for concurrent use: one loop at a time per team.
 */
public final class ThreadTeam implements AutoCloseable {

    /** How long an idle worker spins before parking: covers the gap between two loops of one step. */
    private static final long SPIN_NANOS = 50_000;

    private final Thread[] workers;
    private final AtomicLong claim = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private volatile int epoch;
    private volatile boolean closed;
    // written before the epoch is published (a volatile write), read after it is seen
    private IntConsumer body;
    private int chunks;
    private volatile Throwable failure;

    /** A team of {@code threads} (the caller included); 1 runs everything on the caller. */
    public ThreadTeam(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, name + "-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** Threads that run a loop, the caller included. */
    public int size() {
        return workers.length + 1;
    }

    /**
     * Runs {@code body.accept(i)} for every i in {@code [0, chunks)} across the team and returns
     * when all are done. An exception in any chunk is rethrown here (the other chunks still run).
     */
    public void run(int chunks, IntConsumer body) {
        if (closed) {
            throw new IllegalStateException("thread team is closed");
        }
        if (chunks <= 0) {
            return;
        }
        if (workers.length == 0 || chunks == 1) {
            for (int i = 0; i < chunks; i++) {
                body.accept(i);
            }
            return;
        }
        this.body = body;
        this.chunks = chunks;
        this.failure = null;
        done.set(0);
        int e = epoch + 1;
        claim.set((long) e << 32);
        epoch = e; // publishes body, chunks and the claim word
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        work(e, body, chunks);
        while (done.get() < chunks) {
            Thread.onSpinWait();
        }
        this.body = null;
        Throwable t = failure;
        if (t != null) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(t);
        }
    }

    private void work(int e, IntConsumer body, int chunks) {
        while (true) {
            long c = claim.get();
            if ((int) (c >>> 32) != e) {
                return;
            }
            int index = (int) c;
            if (index >= chunks) {
                return;
            }
            if (!claim.compareAndSet(c, c + 1)) {
                continue;
            }
            try {
                body.accept(index);
            } catch (Throwable t) {
                failure = t;
            } finally {
                done.incrementAndGet();
            }
        }
    }

    private void workerLoop() {
        int seen = 0;
        while (!closed) {
            int e = epoch;
            if (e == seen) {
                long start = System.nanoTime();
                while (epoch == seen && !closed && System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                }
                if (epoch == seen && !closed) {
                    LockSupport.park(this);
                }
                continue;
            }
            seen = e;
            IntConsumer b = body;
            int n = chunks;
            if (b != null) {
                work(e, b, n);
            }
        }
    }

    /** Stops the workers; a team cannot be reused after. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
