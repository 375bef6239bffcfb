// kh_simt.cpp — fibers, the block scheduler and the warp collectives of kh_simt.h.
#include "kh_simt.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <memory>
#include <string>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace kh_simt {
namespace {

constexpr int kWarp = 32;
constexpr size_t kStackBytes = 256 * 1024;

// ---- fibers: a stack and a saved stack pointer; switching saves only callee-saved registers

#if defined(__x86_64__)
extern "C" void kh_simt_switch(void **save_sp, void *load_sp);
extern "C" void kh_simt_fiber_start();
// System V: rbx, rbp, r12-r15 are callee-saved. A new fiber's first switch "returns" into
// kh_simt_fiber_start with r12 = entry function and r13 = its argument.
asm(R"(
    .text
    .p2align 4
    .globl kh_simt_switch
    .hidden kh_simt_switch
    .type kh_simt_switch, @function
kh_simt_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size kh_simt_switch, .-kh_simt_switch
    .p2align 4
    .globl kh_simt_fiber_start
    .hidden kh_simt_fiber_start
    .type kh_simt_fiber_start, @function
kh_simt_fiber_start:
    movq %r13, %rdi
    callq *%r12
    ud2
    .size kh_simt_fiber_start, .-kh_simt_fiber_start
)");
#endif

struct Stack {
    void *base = nullptr;
    size_t bytes = 0;
    Stack() {
        const size_t page = (size_t)sysconf(_SC_PAGESIZE);
        bytes = kStackBytes + page;
        base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == MAP_FAILED) throw std::runtime_error("kh_simt: cannot map a fiber stack");
        mprotect(base, page, PROT_NONE);  // a guard page: an overflow faults instead of corrupting
    }
    ~Stack() {
        if (base != nullptr) munmap(base, bytes);
    }
    Stack(const Stack &) = delete;
    Stack &operator=(const Stack &) = delete;
    unsigned char *top() const { return static_cast<unsigned char *>(base) + bytes; }
};

enum class State : uint8_t { Ready, AtCollective, AtBarrier, Done };
enum class Collective : uint8_t { Shuffle, SyncWarp, Ldmatrix, LdmatrixTrans, MmaF16, MmaBf16 };

const char *collective_name(Collective c) {
    switch (c) {
    case Collective::Shuffle: return "__shfl_*_sync";
    case Collective::SyncWarp: return "__syncwarp";
    case Collective::Ldmatrix: return "ldmatrix";
    case Collective::LdmatrixTrans: return "ldmatrix.trans";
    case Collective::MmaF16: return "mma.sync (f16)";
    case Collective::MmaBf16: return "mma.sync (bf16)";
    }
    return "?";
}

struct Copy {
    uint32_t dst;
    const unsigned char *src;
    int bytes;
};

struct Fiber {
    Stack stack;
#if defined(__x86_64__)
    void *sp = nullptr;
#else
    ucontext_t ctx;
#endif
    ThreadIds ids;
    int index = 0;
    State state = State::Ready;
    // a collective's operands and results
    Collective op = Collective::Shuffle;
    uint32_t in[7] = {};
    float acc[4] = {};
    uint32_t out[4] = {};
    // cp.async: copies not yet committed, and committed groups not yet landed (AtWait timing)
    std::vector<Copy> uncommitted;
    std::deque<std::vector<Copy>> groups;
};

struct Block {
    const LaunchConfig *config = nullptr;
    const std::vector<Region> *global = nullptr;
    const std::function<void()> *body = nullptr;
    unsigned char *shared = nullptr;
    std::vector<std::unique_ptr<Fiber>> fibers;
    Fiber *current = nullptr;
#if defined(__x86_64__)
    void *scheduler_sp = nullptr;
#else
    ucontext_t scheduler;
#endif
    std::string fault;
    LaunchStats stats;
};

// The block this OS thread is running (CUDA's threadIdx and friends are implicit globals too).
thread_local Block *t_block = nullptr;

Block &block() {
    if (t_block == nullptr || t_block->current == nullptr)
        throw std::logic_error("kh_simt: a device primitive was called outside kh_simt::launch");
    return *t_block;
}

std::string where(const Fiber &f) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "block (%u,%u,%u) thread %u (warp %u lane %u)", f.ids.block_idx.x, f.ids.block_idx.y,
                  f.ids.block_idx.z, f.ids.thread_idx.x, f.ids.thread_idx.x / kWarp, f.ids.thread_idx.x % kWarp);
    return buf;
}

[[noreturn]] void fault(const std::string &what) { throw KernelFault(what + " in " + where(*block().current)); }

void switch_to_scheduler() {
    Block &b = *t_block;
    Fiber &f = *b.current;
#if defined(__x86_64__)
    kh_simt_switch(&f.sp, b.scheduler_sp);
#else
    swapcontext(&f.ctx, &b.scheduler);
#endif
}

void run_fiber(Block &b, Fiber &f) {
    b.current = &f;
#if defined(__x86_64__)
    kh_simt_switch(&b.scheduler_sp, f.sp);
#else
    swapcontext(&b.scheduler, &f.ctx);
#endif
    b.current = nullptr;
}

void land(Block &b, const std::vector<Copy> &copies) {
    for (const Copy &c : copies) {
        if (c.bytes > 0) std::memcpy(b.shared + c.dst, c.src, (size_t)c.bytes);
        std::memset(b.shared + c.dst + c.bytes, 0, (size_t)(16 - c.bytes));
    }
}

// The fiber's whole life: the kernel body, then the copies it never waited for (hardware
// completes them too). Exceptions end here, on the fiber's own stack.
void fiber_main(Block *b) {
    Fiber &f = *b->current;
    try {
        (*b->body)();
        land(*b, f.uncommitted);
        for (const auto &g : f.groups) land(*b, g);
    } catch (const KernelFault &e) {
        b->fault = e.what();
    } catch (const std::exception &e) {
        b->fault = std::string("exception in kernel code: ") + e.what() + " in " + where(f);
    } catch (...) {
        b->fault = "unknown exception in kernel code in " + where(f);
    }
    f.state = State::Done;
    switch_to_scheduler();
    std::abort();  // a finished fiber is never resumed
}

#if !defined(__x86_64__)
void fiber_entry_ucontext(unsigned hi, unsigned lo) {
    fiber_main(reinterpret_cast<Block *>((static_cast<uintptr_t>(hi) << 32) | lo));
}
#endif

void start_fiber(Block &b, Fiber &f) {
    f.state = State::Ready;
    f.uncommitted.clear();
    f.groups.clear();
#if defined(__x86_64__)
    // return address where (rsp + 8) is 16-byte aligned at kh_simt_fiber_start's call
    auto *top = reinterpret_cast<uintptr_t *>(reinterpret_cast<uintptr_t>(f.stack.top()) & ~uintptr_t(15));
    uintptr_t *sp = top - 1;
    *sp = reinterpret_cast<uintptr_t>(&kh_simt_fiber_start);
    sp -= 6;  // r15 r14 r13 r12 rbx rbp, popped in that order
    sp[0] = 0;
    sp[1] = 0;
    sp[2] = reinterpret_cast<uintptr_t>(&b);                // r13: argument
    sp[3] = reinterpret_cast<uintptr_t>(&fiber_main);       // r12: entry
    sp[4] = 0;
    sp[5] = 0;
    f.sp = sp;
#else
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = static_cast<unsigned char *>(f.stack.base) + (f.stack.bytes - kStackBytes);
    f.ctx.uc_stack.ss_size = kStackBytes;
    f.ctx.uc_link = nullptr;
    const uintptr_t arg = reinterpret_cast<uintptr_t>(&b);
    makecontext(&f.ctx, reinterpret_cast<void (*)()>(&fiber_entry_ucontext), 2, (unsigned)(arg >> 32), (unsigned)arg);
#endif
}

// ---- collectives, executed by the scheduler once every lane of a warp has arrived

float f16_to_float(uint16_t h) {
    const int sign = h >> 15, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float v;
    if (exp == 0) v = std::ldexp((float)man, -24);
    else if (exp == 31) v = man == 0 ? INFINITY : NAN;
    else v = std::ldexp((float)(man | 0x400), exp - 25);
    return sign ? -v : v;
}
float bf16_to_float(uint16_t h) {
    const uint32_t bits = (uint32_t)h << 16;
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
}
float lo_half(uint32_t r, bool bf16) { return bf16 ? bf16_to_float((uint16_t)r) : f16_to_float((uint16_t)r); }
float hi_half(uint32_t r, bool bf16) { return bf16 ? bf16_to_float((uint16_t)(r >> 16)) : f16_to_float((uint16_t)(r >> 16)); }

void check_shared(const Block &b, const Fiber &f, uint32_t addr, size_t bytes, size_t align, const char *what) {
    if (addr % align != 0 || (size_t)addr + bytes > b.config->shared_bytes) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s: shared address %u (%zu bytes) is %s (dynamic shared memory: %zu bytes)", what, addr,
                      bytes, addr % align != 0 ? "misaligned" : "out of bounds", b.config->shared_bytes);
        throw KernelFault(std::string(buf) + " in " + where(f));
    }
}

// the declared region holding [p, p + bytes), or null
const Region *region_of(const Block &b, const void *p, size_t bytes) {
    const auto *s = static_cast<const unsigned char *>(p);
    for (const Region &r : *b.global) {
        const auto *base = static_cast<const unsigned char *>(r.base);
        if (s >= base && s + bytes <= base + r.bytes) return &r;
    }
    return nullptr;
}

void run_collective(Block &b, Fiber *const *lanes) {
    const Collective op = lanes[0]->op;
    for (int l = 1; l < kWarp; ++l) {
        if (lanes[l]->op != op)
            throw KernelFault(std::string("divergent warp: lane 0 is at ") + collective_name(op) + ", lane " + std::to_string(l) +
                              " at " + collective_name(lanes[l]->op) + " in " + where(*lanes[l]));
    }
    switch (op) {
    case Collective::Shuffle: {
        // in[0] value bits, in[1] kind, in[2] operand, in[3] width: lanes exchange within segments
        // of width lanes; a source out of reach leaves the lane its own value
        ++b.stats.shuffles;
        uint32_t v[kWarp];
        for (int l = 0; l < kWarp; ++l) v[l] = lanes[l]->in[0];
        for (int l = 0; l < kWarp; ++l) {
            const int w = (int)lanes[l]->in[3], base = l & ~(w - 1), p = (int)lanes[l]->in[2];
            int src;
            switch ((Shfl)lanes[l]->in[1]) {
            case Shfl::Xor: src = l ^ p; break;
            case Shfl::Idx: src = base + (p & (w - 1)); break;
            case Shfl::Up: src = l - p; break;
            default: src = l + p; break;  // Down
            }
            // as in CUDA: a later segment is out of reach (xor may reach an earlier one)
            if (src >= base + w || (src < base && (Shfl)lanes[l]->in[1] != Shfl::Xor) || src < 0) src = l;
            lanes[l]->out[0] = v[src];
        }
        break;
    }
    case Collective::SyncWarp:
        break;
    case Collective::Ldmatrix:
    case Collective::LdmatrixTrans: {
        // matrix i's row r comes from the address of lane 8i + r; each row is 8 b16 values. x1 / x2
        // read matrices 0 / 0-1 only (the other lanes' addresses are ignored).
        const int count = (int)lanes[0]->in[1];
        uint16_t m[4][8][8] = {};
        for (int l = 0; l < 8 * count; ++l) {
            const uint32_t addr = lanes[l]->in[0];
            check_shared(b, *lanes[l], addr, 16, 16, collective_name(op));
            std::memcpy(m[l / 8][l % 8], b.shared + addr, 16);
        }
        for (int i = 0; i < count; ++i) {  // one matrix per phase: its rows' 16-byte bank groups
            int per_group[8] = {}, worst = 0;
            for (int r = 0; r < 8; ++r) worst = std::max(worst, ++per_group[(lanes[8 * i + r]->in[0] >> 4) & 7]);
            b.stats.ldmatrix_wavefronts += (uint64_t)worst;
        }
        ++b.stats.ldmatrix;
        for (int l = 0; l < kWarp; ++l) {
            const int row = l / 4, col = 2 * (l % 4);
            for (int i = 0; i < count; ++i) {
                const uint16_t lo = op == Collective::Ldmatrix ? m[i][row][col] : m[i][col][row];
                const uint16_t hi = op == Collective::Ldmatrix ? m[i][row][col + 1] : m[i][col + 1][row];
                lanes[l]->out[i] = (uint32_t)lo | ((uint32_t)hi << 16);
            }
        }
        break;
    }
    case Collective::MmaF16:
    case Collective::MmaBf16: {
        ++b.stats.mma;
        const bool bf16 = op == Collective::MmaBf16;
        float A[16][16], B[16][8];
        for (int l = 0; l < kWarp; ++l) {
            const int g = l / 4, t = l % 4;
            const uint32_t *in = lanes[l]->in;
            // A (row-major 16x16): a0 (g, 2t..), a1 (g+8, 2t..), a2 (g, 2t+8..), a3 (g+8, 2t+8..)
            for (int i = 0; i < 4; ++i) {
                const int r = g + (i & 1) * 8, c = 2 * t + (i >> 1) * 8;
                A[r][c] = lo_half(in[i], bf16);
                A[r][c + 1] = hi_half(in[i], bf16);
            }
            // B (16x8, column-major fragments): b0 (k = 2t.., n = g), b1 (k = 2t+8.., n = g)
            for (int i = 0; i < 2; ++i) {
                B[2 * t + i * 8][g] = lo_half(in[4 + i], bf16);
                B[2 * t + i * 8 + 1][g] = hi_half(in[4 + i], bf16);
            }
        }
        for (int l = 0; l < kWarp; ++l) {
            const int g = l / 4, t = l % 4;
            for (int i = 0; i < 4; ++i) {  // c0, c1 (g, 2t, 2t+1); c2, c3 (g+8, ...)
                const int r = g + (i >> 1) * 8, c = 2 * t + (i & 1);
                double s = 0;  // products of 16-bit inputs are exact; the sum is at least f32 accurate
                for (int k = 0; k < 16; ++k) s += (double)A[r][k] * (double)B[k][c];
                lanes[l]->acc[i] = (float)((double)lanes[l]->acc[i] + s);
            }
        }
        break;
    }
    }
    for (int l = 0; l < kWarp; ++l) lanes[l]->state = State::Ready;
}

std::string state_summary(const Block &b) {
    std::string s;
    for (size_t w = 0; w * kWarp < b.fibers.size(); ++w) {
        const Fiber &f = *b.fibers[w * kWarp];
        const char *st = f.state == State::Done ? "exited" : f.state == State::AtBarrier ? "at __syncthreads"
                                                        : f.state == State::AtCollective ? collective_name(f.op)
                                                                                         : "ready";
        s += (s.empty() ? "" : ", ") + std::string("warp ") + std::to_string(w) + " lane 0 " + st;
    }
    return s;
}

// Runs the warp's ready lanes up to their next synchronization point, then its collective if all
// 32 lanes reached it. Returns whether anything ran.
bool step_warp(Block &b, size_t w) {
    bool progress = false;
    Fiber *lanes[kWarp];
    for (int l = 0; l < kWarp; ++l) {
        lanes[l] = b.fibers[w * kWarp + l].get();
        if (lanes[l]->state != State::Ready) continue;
        run_fiber(b, *lanes[l]);
        progress = true;
        if (!b.fault.empty()) throw KernelFault(b.fault);
    }
    int waiting = 0, exited = 0;
    for (Fiber *f : lanes) {
        waiting += f->state == State::AtCollective;
        exited += f->state == State::Done;
    }
    if (waiting == kWarp) {
        run_collective(b, lanes);
        progress = true;
    } else if (waiting > 0 && exited > 0) {
        throw KernelFault(std::string(collective_name(lanes[0]->op)) + " reached by " + std::to_string(waiting) + " lanes of warp " +
                          std::to_string(w) + "; the others exited (" + where(*lanes[0]) + ")");
    }
    return progress;
}

void run_block(Block &b) {
    const size_t n = b.fibers.size(), warps = n / kWarp;
    for (auto &f : b.fibers) start_fiber(b, *f);
    std::memset(b.shared, 0xFF, b.config->shared_bytes);  // never-written shared memory reads as NaN
    const bool run_ahead = b.config->warps == WarpOrder::RunAhead;
    for (;;) {
        bool progress = false;
        for (size_t w = 0; w < warps; ++w) {
            if (run_ahead) {
                while (step_warp(b, w)) progress = true;  // this warp as far as it goes before the next starts
            } else {
                progress |= step_warp(b, w);  // every warp one step
            }
        }
        size_t done = 0, at_barrier = 0;
        for (auto &f : b.fibers) {
            done += f->state == State::Done;
            at_barrier += f->state == State::AtBarrier;
        }
        if (done == n) return;
        if (at_barrier > 0 && at_barrier + done == n) {
            if (done > 0)
                throw KernelFault("__syncthreads reached by " + std::to_string(at_barrier) + " threads; " + std::to_string(done) +
                                  " had exited (" + where(*b.fibers[0]) + ")");
            for (auto &f : b.fibers) f->state = State::Ready;
            ++b.stats.barriers;
            progress = true;
        }
        if (!progress) throw KernelFault("deadlock: " + state_summary(b));
    }
}

void arrive(Collective op) {
    Block &b = block();
    Fiber &f = *b.current;
    f.op = op;
    f.state = State::AtCollective;
    switch_to_scheduler();
}

}  // namespace

namespace {

// One OS thread's share of a launch: blocks first, first + stride, ... until a fault anywhere.
void run_blocks(const LaunchConfig &config, const std::vector<Region> &global, const std::function<void()> &thread_body,
                unsigned first, unsigned stride, std::atomic<bool> &failed, std::string &fault_out, std::mutex &lock,
                LaunchStats &total) {
    Block b;
    b.config = &config;
    b.global = &global;
    b.body = &thread_body;
    std::unique_ptr<unsigned char[]> shared(new unsigned char[config.shared_bytes + 128]);
    b.shared = shared.get() + (128 - reinterpret_cast<uintptr_t>(shared.get()) % 128) % 128;
    const unsigned threads = config.block.x;
    for (unsigned t = 0; t < threads; ++t) {
        b.fibers.push_back(std::make_unique<Fiber>());
        Fiber &f = *b.fibers.back();
        f.index = (int)t;
        f.ids.thread_idx = {t, 0, 0};
        f.ids.block_dim = config.block;
        f.ids.grid_dim = config.grid;
    }
    struct Reset {
        ~Reset() { t_block = nullptr; }
    } reset;
    t_block = &b;
    const unsigned long blocks = (unsigned long)config.grid.x * config.grid.y * config.grid.z;
    try {
        for (unsigned long i = first; i < blocks && !failed.load(std::memory_order_relaxed); i += stride) {
            const Dim3 idx{(unsigned)(i % config.grid.x), (unsigned)(i / config.grid.x % config.grid.y),
                           (unsigned)(i / ((unsigned long)config.grid.x * config.grid.y))};
            for (auto &f : b.fibers) f->ids.block_idx = idx;
            run_block(b);
            ++b.stats.blocks;
        }
    } catch (const std::exception &e) {
        std::lock_guard<std::mutex> g(lock);
        if (!failed.exchange(true)) fault_out = e.what();
    }
    std::lock_guard<std::mutex> g(lock);
    const LaunchStats &s = b.stats;
    total.blocks += s.blocks, total.mma += s.mma, total.ldmatrix += s.ldmatrix;
    total.ldmatrix_wavefronts += s.ldmatrix_wavefronts, total.shuffles += s.shuffles, total.barriers += s.barriers;
    total.cp_async_bytes += s.cp_async_bytes, total.global_store_bytes += s.global_store_bytes;
    total.global_load_bytes += s.global_load_bytes;
}

}  // namespace

LaunchStats launch(const LaunchConfig &config, const std::vector<Region> &global, const std::function<void()> &thread_body) {
    const unsigned threads = config.block.x * config.block.y * config.block.z;
    if (config.block.y != 1 || config.block.z != 1 || threads == 0 || threads % kWarp != 0 || threads > 1024)
        throw std::invalid_argument("kh_simt: blocks must be one-dimensional with a multiple of 32 threads, at most 1024");
    if (t_block != nullptr) throw std::logic_error("kh_simt: launch() from inside a kernel");
    const unsigned long blocks = (unsigned long)config.grid.x * config.grid.y * config.grid.z;
    LaunchStats total;
    if (blocks == 0) return total;
    unsigned workers = config.host_threads != 0 ? config.host_threads : std::max(1u, std::thread::hardware_concurrency());
    if (workers > blocks) workers = (unsigned)blocks;
    std::atomic<bool> failed{false};
    std::string fault;
    std::mutex lock;
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < workers; ++w)
        pool.emplace_back(run_blocks, std::cref(config), std::cref(global), std::cref(thread_body), w, workers, std::ref(failed),
                          std::ref(fault), std::ref(lock), std::ref(total));
    run_blocks(config, global, thread_body, 0, workers, failed, fault, lock, total);
    for (auto &t : pool) t.join();
    if (failed) throw KernelFault(fault);
    return total;
}

const ThreadIds &ids() { return block().current->ids; }
unsigned char *dynamic_shared() { return block().shared; }

uint32_t shared_address(const void *generic) {
    Block &b = block();
    const auto *p = static_cast<const unsigned char *>(generic);
    if (p < b.shared || p > b.shared + b.config->shared_bytes) fault("__cvta_generic_to_shared of a pointer outside shared memory");
    return static_cast<uint32_t>(p - b.shared);
}

void syncthreads() {
    Block &b = block();
    b.current->state = State::AtBarrier;
    switch_to_scheduler();
}

uint32_t shfl_bits(Shfl kind, uint32_t bits, int operand, int width) {
    Fiber &f = *block().current;
    if (width < 1 || width > kWarp || (width & (width - 1)) != 0) fault("shuffle width " + std::to_string(width) + " (1..32, a power of 2)");
    if (operand < 0 || operand >= kWarp) fault("shuffle lane operand " + std::to_string(operand) + " out of range");
    f.in[0] = bits;
    f.in[1] = (uint32_t)kind;
    f.in[2] = (uint32_t)operand;
    f.in[3] = (uint32_t)width;
    arrive(Collective::Shuffle);
    return f.out[0];
}

float shfl_xor(float v, int lane_mask) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    bits = shfl_bits(Shfl::Xor, bits, lane_mask, kWarp);
    float r;
    std::memcpy(&r, &bits, 4);
    return r;
}

void syncwarp() { arrive(Collective::SyncWarp); }

void ldmatrix(uint32_t *r, int count, uint32_t shared_addr, bool trans) {
    Fiber &f = *block().current;
    if (count != 1 && count != 2 && count != 4) fault("ldmatrix .x" + std::to_string(count) + " (x1, x2 or x4)");
    f.in[0] = shared_addr;
    f.in[1] = (uint32_t)count;
    arrive(trans ? Collective::LdmatrixTrans : Collective::Ldmatrix);
    for (int i = 0; i < count; ++i) r[i] = f.out[i];
}

void ldmatrix_x4(uint32_t (&r)[4], uint32_t shared_addr, bool trans) { ldmatrix(r, 4, shared_addr, trans); }

void mma_m16n8k16(MmaInput in, float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    Fiber &f = *block().current;
    for (int i = 0; i < 4; ++i) f.in[i] = a[i], f.acc[i] = c[i];
    f.in[4] = b0;
    f.in[5] = b1;
    arrive(in == MmaInput::BF16 ? Collective::MmaBf16 : Collective::MmaF16);
    for (int i = 0; i < 4; ++i) c[i] = f.acc[i];
}

void cp_async16(uint32_t shared_dst, const void *src, int src_bytes) {
    Block &b = block();
    Fiber &f = *b.current;
    check_shared(b, f, shared_dst, 16, 16, "cp.async destination");
    if (src_bytes < 0 || src_bytes > 16) fault("cp.async with src-size " + std::to_string(src_bytes) + " (0..16)");
    if (reinterpret_cast<uintptr_t>(src) % 16 != 0) fault("cp.async.cg from a global address that is not 16-byte aligned");
    const auto *s = static_cast<const unsigned char *>(src);
    if (src_bytes > 0 && region_of(b, src, (size_t)src_bytes) == nullptr)
        fault("cp.async reads global memory outside every input tensor");
    b.stats.cp_async_bytes += (uint64_t)src_bytes;
    const Copy c{shared_dst, s, src_bytes};
    if (b.config->cp_async == CpAsyncTiming::AtIssue) land(b, {c});
    else f.uncommitted.push_back(c);
}

void cp_async_commit() {
    Fiber &f = *block().current;
    f.groups.push_back(std::move(f.uncommitted));
    f.uncommitted.clear();
}

void cp_async_wait(int groups_left_pending) {
    Block &b = block();
    Fiber &f = *b.current;
    while ((int)f.groups.size() > groups_left_pending) {
        land(b, f.groups.front());
        f.groups.pop_front();
    }
}

void load_global(void *dst, const void *src, size_t bytes) {
    Block &b = block();
    if (reinterpret_cast<uintptr_t>(src) % bytes != 0) fault("misaligned global load of " + std::to_string(bytes) + " bytes");
    if (region_of(b, src, bytes) == nullptr) fault("global load outside every tensor");
    std::memcpy(dst, src, bytes);
    b.stats.global_load_bytes += bytes;
}

void store_shared(uint32_t shared_addr, const void *src, size_t bytes) {
    Block &b = block();
    check_shared(b, *b.current, shared_addr, bytes, bytes, "st.shared");
    std::memcpy(b.shared + shared_addr, src, bytes);
}

void store_global(void *dst, const void *src, size_t bytes) {
    Block &b = block();
    if (reinterpret_cast<uintptr_t>(dst) % bytes != 0) fault("misaligned global store of " + std::to_string(bytes) + " bytes");
    const Region *r = region_of(b, dst, bytes);
    if (r == nullptr) fault("global store outside every output tensor");
    if (!r->writable) fault(std::string("global store into the read-only ") + r->name);
    std::memcpy(dst, src, bytes);
    b.stats.global_store_bytes += bytes;
}

}  // namespace kh_simt
