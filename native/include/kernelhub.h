/*
 * kernelhub.h — the stable C ABI between kernelhub (the JVM host) and kernel bundles.
 *
 * This header is the single source of truth: the Java bindings in
 * java/bridge/src/main/java/io/kernelhub/bridge/generated are generated from it (see
 * native/jextract/), and tests compare their layouts with what the C compiler reports.
 * docs/ABI.md explains every rule below.
 *
 * Life of a bundle:
 *   0. Before loading, the host reads the ABI note this header puts into every object that
 *      includes it (KH_NOTE_* below) from the library's bytes and refuses a wrong ABI without
 *      loading the library, so none of its code (library constructors included) runs.
 *   1. The host loads the shared library and calls kh_abi_version(). Nothing else in the
 *      bundle is called unless it returns KH_ABI_VERSION (and agrees with the note).
 *   2. The host calls kh_register(host, err, err_cap). The bundle calls host->register_op once
 *      per operation it provides, then returns KH_OK (or an error status with a message).
 *   3. The host calls an op's function with a validated kh_attention_args. The op returns a
 *      status; on failure it writes a NUL-terminated message into err (at most err_cap bytes).
 *      An op never aborts the process, never throws C++ exceptions across this boundary and
 *      never writes outside the tensors it was given.
 *
 * All structs begin with struct_size so later ABI minor additions can append fields.
 */
#ifndef KERNELHUB_H
#define KERNELHUB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change; a host loads only bundles that return exactly this. */
#define KH_ABI_VERSION 1u

#if defined(_WIN32)
#define KH_EXPORT __declspec(dllexport)
#else
#define KH_EXPORT __attribute__((visibility("default")))
#endif

/*
 * The ABI note. Every translation unit that includes this header (so every bundle: kh_register
 * needs it) carries an ELF note in section .note.kernelhub: owner "kernelhub", type
 * KH_NOTE_ABI_VERSION, a 4-byte native-endian payload (little-endian on x86_64 and aarch64)
 * holding KH_ABI_VERSION. The host reads it from the file before dlopen and refuses a mismatch
 * without running any of the bundle's code; a library without it (built before the note
 * existed) is judged by kh_abi_version() after loading, which runs its constructors first, and
 * kernelhub check (so publish) refuses it. Several objects give several identical notes; notes
 * that disagree (objects built against different headers) are refused. Nothing to call or
 * reference: including the header emits it. KH_NO_ABI_NOTE (defined before the include) leaves
 * it out; only for programs that are not bundles.
 */
#define KH_NOTE_SECTION ".note.kernelhub"
#define KH_NOTE_OWNER "kernelhub"
#define KH_NOTE_ABI_VERSION 1u
#if defined(__ELF__) && !defined(KH_NO_ABI_NOTE) && !defined(__CUDA_ARCH__)
__attribute__((section(KH_NOTE_SECTION), aligned(4), used)) static const struct {
    uint32_t namesz;    /* sizeof KH_NOTE_OWNER, with its NUL */
    uint32_t descsz;    /* 4 */
    uint32_t type;      /* KH_NOTE_ABI_VERSION */
    char name[12];      /* KH_NOTE_OWNER, NUL-padded to a multiple of 4 */
    uint32_t abi_version;
} kh_abi_note_ = {sizeof(KH_NOTE_OWNER), 4, KH_NOTE_ABI_VERSION, KH_NOTE_OWNER, KH_ABI_VERSION};
#endif

/* ---- status codes ------------------------------------------------------------------- */
typedef int32_t kh_status;
#define KH_OK 0
#define KH_ERR_INVALID_ARGUMENT 1 /* an argument the op cannot accept (message says which)   */
#define KH_ERR_UNSUPPORTED 2      /* a feature / dtype / head dim the op did not declare      */
#define KH_ERR_DEVICE 3           /* no such device, no driver, kernel launch failure        */
#define KH_ERR_OUT_OF_MEMORY 4
#define KH_ERR_INTERNAL 5

/* ---- element types and devices ---------------------------------------------------- */
#define KH_DTYPE_F32 0
#define KH_DTYPE_F16 1
#define KH_DTYPE_BF16 2
#define KH_DTYPE_I32 3

#define KH_DEVICE_CPU 0
#define KH_DEVICE_CUDA 1

/* ---- op features (bit flags of kh_op_desc.features) ---------------------------------- */
#define KH_FEATURE_CAUSAL (1u << 0)
#define KH_FEATURE_SLIDING_WINDOW (1u << 1)
#define KH_FEATURE_SOFTCAP (1u << 2)
#define KH_FEATURE_GQA (1u << 3)
#define KH_FEATURE_KEY_PADDING (1u << 4)
#define KH_FEATURE_VARLEN (1u << 5)
#define KH_FEATURE_LSE (1u << 6)
#define KH_FEATURE_PAGED_KV (1u << 7)
#define KH_FEATURE_SINKS (1u << 8)

/* ---- flags of kh_attention_args.flags ---------------------------------------------- */
#define KH_ATTN_CAUSAL (1u << 0)

#define KH_MAX_RANK 4

/*
 * A strided tensor. Shape and strides are in elements; the last dimension of q, k, v and out
 * is contiguous (stride 1) for native ops. data is a host pointer for KH_DEVICE_CPU and a
 * device pointer for KH_DEVICE_CUDA.
 */
typedef struct kh_tensor {
    void *data;
    int32_t dtype;        /* KH_DTYPE_* */
    int32_t device_kind;  /* KH_DEVICE_* */
    int32_t device_index;
    int32_t rank;
    int64_t shape[KH_MAX_RANK];
    int64_t strides[KH_MAX_RANK];
} kh_tensor;

/*
 * One attention call. Layouts (BSHD):
 *   fixed:  q [batch, seq_q, heads_q, head_dim], k/v [batch, seq_k, heads_kv, head_dim],
 *           lse f32 [batch, heads_q, seq_q]; optional seqlens_k[batch] (key padding).
 *   varlen: q [total_q, heads_q, head_dim], k/v [total_k, heads_kv, head_dim],
 *           cu_seqlens_q/k int32 [batch + 1] prefix sums, lse f32 [heads_q, total_q].
 *   paged:  k/v [num_blocks, page_size, heads_kv, head_dim], block_table int32
 *           [batch, max_blocks_per_seq] (row stride block_table_stride), seqlens_k[batch].
 * Masks (sq, sk = this sequence's lengths, shift = sk - sq): query i sees key j when j < sk,
 * and with KH_ATTN_CAUSAL j <= i + shift, and when window_left >= 0 j >= i + shift - window_left,
 * and when window_right >= 0 j <= i + shift + window_right. Scores are scale * q.k, then
 * softcap * tanh(score / softcap) when softcap > 0. A query that sees no key outputs zeros and
 * lse = -inf. The integer arrays (seqlens_k, cu_seqlens_q/k, block_table) are host memory for
 * every device: the host validated them; a CUDA op copies what it needs to the device on stream.
 */
typedef struct kh_attention_args {
    uint32_t struct_size; /* sizeof(kh_attention_args) of the host */
    uint32_t flags;       /* KH_ATTN_* */
    kh_tensor q;
    kh_tensor k;
    kh_tensor v;
    kh_tensor out;        /* same shape as q, same dtype as q */
    kh_tensor lse;        /* data == NULL when not requested */
    int32_t batch;
    int32_t max_seqlen_q;
    int32_t max_seqlen_k;
    int32_t window_left;  /* -1 = unlimited */
    int32_t window_right; /* -1 = unlimited (0 with KH_ATTN_CAUSAL) */
    float scale;
    float softcap;        /* 0 = off */
    int32_t page_size;    /* paged KV only, else 0 */
    int32_t block_table_stride;
    const int32_t *seqlens_k;    /* NULL = all keys valid */
    const int32_t *cu_seqlens_q; /* NULL unless varlen */
    const int32_t *cu_seqlens_k; /* NULL unless varlen */
    const int32_t *block_table;  /* NULL unless paged */
    void *stream;                /* cudaStream_t for CUDA ops, NULL = default stream */
} kh_attention_args;

/* An op's entry point. err receives a NUL-terminated message on failure (err_cap > 0). */
typedef kh_status (*kh_attention_fn)(const kh_attention_args *args, char *err, size_t err_cap);

/* What an op declares about itself; the host validates it and refuses bad descriptions. */
typedef struct kh_op_desc {
    uint32_t struct_size;       /* sizeof(kh_op_desc) of the bundle */
    uint32_t features;          /* KH_FEATURE_* it supports */
    const char *name;           /* [A-Za-z_][A-Za-z0-9_.-]*, unique within the bundle */
    const char *description;    /* one line, may be NULL */
    int32_t device_kind;        /* KH_DEVICE_* */
    uint32_t dtypes;            /* bit (1u << KH_DTYPE_*) per accepted input dtype */
    int32_t min_head_dim;
    int32_t max_head_dim;
    int32_t head_dim_multiple;  /* 1 = any */
    int32_t is_default;         /* non-zero: the op that org/name without :op selects */
    kh_attention_fn fn;
} kh_op_desc;

/* The host's table of callbacks (upcalls into the JVM); valid only during kh_register. */
typedef struct kh_host {
    uint32_t struct_size;
    uint32_t abi_version;
    void *host_ctx;
    /* Adds an op; returns KH_OK or an error status (the bundle should fail registration). */
    kh_status (*register_op)(void *host_ctx, const kh_op_desc *op);
    /* Logs a line through the host's logger; level 0 debug, 1 info, 2 warning, 3 error. */
    void (*log)(void *host_ctx, int32_t level, const char *message);
} kh_host;

/* Exported by every bundle. */
KH_EXPORT uint32_t kh_abi_version(void);
KH_EXPORT kh_status kh_register(const kh_host *host, char *err, size_t err_cap);

#ifdef __cplusplus
}
#endif

#endif /* KERNELHUB_H */
