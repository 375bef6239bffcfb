/* fa2_pool.cpp — see fa2_pool.h. */
#include "fa2_pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include <pthread.h>

#if defined(__linux__)
#include <dlfcn.h>
#include <sched.h>
#endif

namespace fa2 {
namespace {

int affinity_threads() {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    const unsigned hc = std::thread::hardware_concurrency();
    return hc > 0 ? (int)hc : 1;
}

int env_threads() {
    const char *s = std::getenv("KERNELHUB_NUM_THREADS");
    if (s == nullptr || *s == '\0') return 0;
    char *end = nullptr;
    const long v = std::strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 1) return 0; /* ignored: not a positive integer */
    return v > 1024 ? 1024 : (int)v;
}

void pin_library_now() {
#if defined(__linux__)
    Dl_info info;
    if (dladdr((void *)&pin_library_now, &info) != 0 && info.dli_fname != nullptr) {
        /* takes a reference that is never dropped; RTLD_NODELETE keeps the code mapped */
        (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
    }
#endif
}

class Pool {
  public:
    explicit Pool(int nthreads) {
        pin_library();
        for (int i = 1; i < nthreads; ++i) {
            try {
                workers_.emplace_back([this, i] { worker(i); });
            } catch (...) {
                break; /* fewer threads than asked; the pool still works */
            }
        }
    }
    int size() const { return (int)workers_.size() + 1; }

    int run(int max_participants, const std::function<void(int)> &job) {
        std::unique_lock<std::mutex> busy(run_mu_, std::try_to_lock);
        const int n = max_participants < size() ? max_participants : size();
        if (!busy.owns_lock() || n <= 1) {
            job(0);
            return 1;
        }
        {
            std::lock_guard<std::mutex> lk(mu_);
            job_ = &job;
            limit_ = n;
            pending_ = (int)workers_.size();
            ++generation_;
        }
        cv_.notify_all();
        job(0);
        std::unique_lock<std::mutex> lk(mu_);
        done_cv_.wait(lk, [this] { return pending_ == 0; });
        job_ = nullptr;
        return n;
    }

  private:
    void worker(int id) {
        uint64_t seen = 0;
        for (;;) {
            const std::function<void(int)> *job;
            int limit;
            {
                std::unique_lock<std::mutex> lk(mu_);
                cv_.wait(lk, [&] { return generation_ != seen; });
                seen = generation_;
                job = job_;
                limit = limit_;
            }
            if (id < limit) (*job)(id);
            {
                std::lock_guard<std::mutex> lk(mu_);
                if (--pending_ == 0) done_cv_.notify_one();
            }
        }
    }

    std::vector<std::thread> workers_;
    std::mutex run_mu_;
    std::mutex mu_;
    std::condition_variable cv_, done_cv_;
    const std::function<void(int)> *job_ = nullptr;
    int limit_ = 0;
    int pending_ = 0;
    uint64_t generation_ = 0;
};

/* The pool is never destroyed: idle workers stay parked until the process exits. A child
 * created by fork() has none of the parent's workers, so it drops the parent's pool (leaked) and
 * builds its own on first use. */
std::atomic<Pool *> g_pool{nullptr};
std::mutex *g_create_mu = new std::mutex;

void after_fork_in_child() {
    g_pool.store(nullptr);
    g_create_mu = new std::mutex; /* the parent's may have been held by another thread */
}

Pool *pool_instance() {
    Pool *p = g_pool.load(std::memory_order_acquire);
    if (p != nullptr) return p;
    std::lock_guard<std::mutex> lk(*g_create_mu);
    p = g_pool.load(std::memory_order_acquire);
    if (p == nullptr) {
        static bool atfork_done = false;
        if (!atfork_done) {
            atfork_done = pthread_atfork(nullptr, nullptr, &after_fork_in_child) == 0;
        }
        p = new Pool(configured_threads());
        g_pool.store(p, std::memory_order_release);
    }
    return p;
}

} // namespace

void pin_library() {
    /* a function-local static runs once (std::call_once would export its template instance) */
    static const bool pinned = (pin_library_now(), true);
    (void)pinned;
}

int configured_threads() {
    const int e = env_threads();
    return e > 0 ? e : affinity_threads();
}

int parallel_run(int max_participants, const std::function<void(int)> &job) {
    if (max_participants <= 1) {
        job(0);
        return 1;
    }
    return pool_instance()->run(max_participants, job);
}

} // namespace fa2
