// Memory read bandwidth probe for bench/models.sh: how fast can 1, 2, ... threads stream a buffer much larger
// than the last-level cache (the physical limit of a memory-bound LLM decode step, which reads every weight
// once per token).
//
//   gcc -O3 -march=native -pthread -o membw membw.c
//   membw [--size-mib 1024] [--reps 11] [--threads 1,2]
//
// The buffer is allocated once, aligned to 2 MiB (transparent huge pages where the kernel grants them) and
// written (every page touched) before any timing. Each repetition, for each thread count: the buffer is split
// into equal contiguous slices, the threads wait on a barrier, then each sums its slice with 64-bit vector adds
// (8 independent accumulators, so the loop is load-bound, not add-bound); the time is the wall time from the
// barrier to the last thread's end. GB/s = buffer bytes / time / 1e9. Prints one JSON object on stdout: per
// thread count the best, median and worst of the repetitions, and every sample.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint64_t v4u __attribute__((vector_size(32)));

typedef struct {
    const v4u *base;
    size_t n;  // vectors in this slice
    uint64_t sink;
} slice_t;

static pthread_barrier_t start_barrier, end_barrier;
static int nthreads_run;
static slice_t slices[256];
static volatile int stop_workers;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t read_slice(const v4u *p, size_t n) {
    v4u a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        a0 += p[i];
        a1 += p[i + 1];
        a2 += p[i + 2];
        a3 += p[i + 3];
        a4 += p[i + 4];
        a5 += p[i + 5];
        a6 += p[i + 6];
        a7 += p[i + 7];
    }
    for (; i < n; i++) a0 += p[i];
    v4u s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    return s[0] + s[1] + s[2] + s[3];
}

static void *worker(void *arg) {
    int id = (int) (intptr_t) arg;
    for (;;) {
        pthread_barrier_wait(&start_barrier);
        if (stop_workers) return NULL;
        if (id < nthreads_run) slices[id].sink += read_slice(slices[id].base, slices[id].n);
        pthread_barrier_wait(&end_barrier);
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    size_t size_mib = 1024;
    int reps = 11;
    char threads_arg[256] = "1,2";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--size-mib") && i + 1 < argc) size_mib = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) snprintf(threads_arg, sizeof threads_arg, "%s", argv[++i]);
        else {
            fprintf(stderr, "usage: membw [--size-mib 1024] [--reps 11] [--threads 1,2]\n");
            return 2;
        }
    }
    int tlist[64], nt = 0, maxt = 1;
    for (char *tok = strtok(threads_arg, ","); tok && nt < 64; tok = strtok(NULL, ",")) {
        int t = atoi(tok);
        if (t < 1 || t > 256) { fprintf(stderr, "membw: bad thread count %s\n", tok); return 2; }
        tlist[nt++] = t;
        if (t > maxt) maxt = t;
    }
    if (reps < 1 || size_mib < 1) { fprintf(stderr, "membw: bad --reps or --size-mib\n"); return 2; }

    size_t bytes = size_mib << 20;
    void *buf = NULL;
    if (posix_memalign(&buf, 2u << 20, bytes)) { fprintf(stderr, "membw: cannot allocate %zu MiB\n", size_mib); return 1; }
    memset(buf, 1, bytes);  // touch every page before timing
    size_t nvec = bytes / sizeof(v4u);

    pthread_barrier_init(&start_barrier, NULL, maxt + 1);
    pthread_barrier_init(&end_barrier, NULL, maxt + 1);
    pthread_t tids[256];
    for (int t = 0; t < maxt; t++) pthread_create(&tids[t], NULL, worker, (void *) (intptr_t) t);

    double *samples = calloc((size_t) nt * reps, sizeof(double));
    // one untimed pass per thread count, then repetitions round-robin over the thread counts (so slow drift or
    // another process's burst hits all of them alike)
    for (int r = -1; r < reps; r++) {
        for (int k = 0; k < nt; k++) {
            int t = tlist[k];
            nthreads_run = t;
            size_t per = nvec / t;
            for (int j = 0; j < t; j++) {
                slices[j].base = (const v4u *) buf + per * j;
                slices[j].n = j == t - 1 ? nvec - per * j : per;
            }
            double t0 = now_s();
            pthread_barrier_wait(&start_barrier);
            pthread_barrier_wait(&end_barrier);
            double dt = now_s() - t0;
            if (r >= 0) samples[k * reps + r] = bytes / dt / 1e9;
        }
    }
    stop_workers = 1;
    pthread_barrier_wait(&start_barrier);
    for (int t = 0; t < maxt; t++) pthread_join(tids[t], NULL);

    uint64_t sink = 0;
    for (int t = 0; t < maxt; t++) sink += slices[t].sink;
    printf("{\"probe\":\"membw-read\",\"buffer_mib\":%zu,\"reps\":%d,\"checksum\":%llu,\"results\":[", size_mib, reps,
           (unsigned long long) (sink & 0xffff));
    for (int k = 0; k < nt; k++) {
        double *s = samples + (size_t) k * reps;
        double sorted[4096];
        int n = reps < 4096 ? reps : 4096;
        memcpy(sorted, s, n * sizeof(double));
        qsort(sorted, n, sizeof(double), cmp_double);
        double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        printf("%s{\"threads\":%d,\"best_gb_s\":%.2f,\"median_gb_s\":%.2f,\"worst_gb_s\":%.2f,\"samples_gb_s\":[",
               k ? "," : "", tlist[k], sorted[n - 1], median, sorted[0]);
        for (int r = 0; r < n; r++) printf("%s%.2f", r ? "," : "", s[r]);
        printf("]}");
    }
    printf("]}\n");
    free(samples);
    free(buf);
    return 0;
}
