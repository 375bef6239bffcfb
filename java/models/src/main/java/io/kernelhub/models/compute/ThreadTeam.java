package io.kernelhub.models.compute;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed team of threads that runs one parallel loop at a time, for the matrix products of a
 * forward pass: a decode step runs ~100 short loops per token, so handing work out must cost
 * microseconds, not the tens of microseconds of a fork-join submission, and allocates only one
 * small job object. The calling thread works too, so a team of {@code n} owns {@code n - 1} daemon
 * threads. Workers spin briefly between loops, then park.
 *
 * <p>Each loop is one immutable {@link Job} published through a single volatile field and
 * carrying its own chunk counter and completion count, so a worker that is late for one loop can
 * only ever claim (nothing) from that loop's job, never a chunk of the next one. Not for
 * concurrent use: one loop at a time per team.
 */
public final class ThreadTeam implements AutoCloseable {

    /** How long an idle worker spins before parking: covers the gap between two loops of one step. */
    private static final long SPIN_NANOS = 50_000;

    /** One parallel loop: what to run, how many chunks, and its own counters. */
    private static final class Job {
        final IntConsumer body;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(IntConsumer body, int chunks) {
            this.body = body;
            this.chunks = chunks;
        }

        /** Claims and runs chunks until none is left. */
        void work() {
            int index;
            while ((index = next.getAndIncrement()) < chunks) {
                try {
                    body.accept(index);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private final Thread[] workers;
    private volatile Job job;
    private volatile boolean closed;

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
        Job j = new Job(body, chunks);
        job = j;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        j.work();
        while (j.done.get() < chunks) {
            Thread.onSpinWait();
        }
        Throwable t = j.failure;
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

    private void workerLoop() {
        Job seen = null;
        while (!closed) {
            Job j = job;
            if (j == seen) {
                long start = System.nanoTime();
                while (job == seen && !closed && System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                }
                if (job == seen && !closed) {
                    LockSupport.park(this);
                }
                continue;
            }
            seen = j;
            j.work();
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
