/*
 * fa2_pool.h — a small persistent thread pool for the CPU bundle (no OpenMP).
 *
 * Created lazily on the first parallel call (never at load or registration), sized from the
 * process's CPU affinity mask (sched_getaffinity) or KERNELHUB_NUM_THREADS. The calling thread
 * takes part, so N threads means N - 1 workers. One job runs at a time; a call that finds the
 * pool busy (another host thread is inside an op) runs its job on its own thread instead of
 * waiting. A child process made by fork() builds a fresh pool. The pool is never destroyed, and
 * creating it pins the library in memory
 * (RTLD_NODELETE) so that a host that unloads the bundle cannot unmap code its idle workers
 * are parked in.
 */
#ifndef FA2_POOL_H
#define FA2_POOL_H

#include <functional>

namespace fa2 {

/* Pins the library in memory (RTLD_NODELETE), once: after the first call the bundle owns
 * threads and thread_local buffers whose code must outlive a host's dlclose. */
void pin_library();

/* Threads the pool has (or would have): affinity count or KERNELHUB_NUM_THREADS, >= 1. */
int configured_threads();

/*
 * Runs job(participant) on up to max_participants threads (the caller included) and returns
 * when all have returned. job must not throw. Returns the number of participants used.
 */
int parallel_run(int max_participants, const std::function<void(int)> &job);

} // namespace fa2

#endif
