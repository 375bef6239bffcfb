/*
 * kh-describe — reads what a kernelhub bundle declares, the way the host would.
 *
 *   kh-describe LIBRARY            load the bundle, check kh_abi_version(), call kh_register()
 *                                  with a recording host and print the ops as JSON on stdout
 *   kh-describe --fatbin LIBRARY   list the SASS / PTX targets embedded in the library's
 *                                  .nv_fatbin section (no loading; ELF only) as JSON
 *
 * Exit status 0 on success; 1 on any failure, with one "kh-describe: error: ..." line per
 * problem on stderr. Bundle log lines (host->log) go to stderr as "kh-describe: [level] ...".
 *
 * Built by KernelHub.cmake as a host executable and run after each bundle is linked; plain C99
 * plus dlopen, no dependencies. Must not be changed to touch CUDA: it runs on build machines
 * without a GPU or driver.
 */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "kernelhub.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#endif

#define MAX_OPS 256
#define MAX_HEAD_DIM 1024 /* the host's ceiling (docs/ABI.md) */
#define ERR_CAP 2048

static const char *const DTYPE_IDS[] = {"f32", "f16", "bf16"};
static const char *const FEATURE_IDS[] = {"causal", "sliding-window", "softcap", "gqa", "key-padding",
                                          "varlen", "lse", "paged-kv", "sinks"};
#define N_DTYPES (sizeof(DTYPE_IDS) / sizeof(DTYPE_IDS[0]))
#define N_FEATURES (sizeof(FEATURE_IDS) / sizeof(FEATURE_IDS[0]))
#define KNOWN_DTYPE_BITS ((1u << KH_DTYPE_F32) | (1u << KH_DTYPE_F16) | (1u << KH_DTYPE_BF16))
#define KNOWN_FEATURE_BITS ((1u << N_FEATURES) - 1u)

typedef struct recorded_op {
    char *name;
    char *description; /* NULL when the bundle gave none */
    int32_t device_kind;
    uint32_t dtypes;
    uint32_t features;
    int32_t min_head_dim, max_head_dim, head_dim_multiple;
    int32_t is_default;
} recorded_op;

typedef struct recorder {
    recorded_op ops[MAX_OPS];
    int n_ops;
    int n_rejected;
    char first_rejection[ERR_CAP];
} recorder;

static const char *prog = "kh-describe";

static void error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: error: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static char *dup_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = (char *)malloc(n);
    if (d != NULL) memcpy(d, s, n);
    return d;
}

/* ---- JSON output ------------------------------------------------------------------------ */

static void json_string(FILE *f, const char *s) {
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f); /* UTF-8 bytes pass through */
        }
    }
    fputc('"', f);
}

/* ---- the recording host --------------------------------------------------------------- */

static int valid_op_name(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 100) return 0;
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_')) return 0;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '_' || c == '.' || c == '-')) return 0;
    }
    return 1;
}

static int is_single_line(const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '\n' || *p == '\r') return 0;
    return 1;
}

/* Checks one description the way the host does; writes the reason into why on failure. */
static int check_op(const recorder *r, const kh_op_desc *op, char *why, size_t cap) {
    if (op->struct_size < sizeof(kh_op_desc)) {
        snprintf(why, cap, "struct_size %u is smaller than sizeof(kh_op_desc) = %u of ABI %u",
                 (unsigned)op->struct_size, (unsigned)sizeof(kh_op_desc), (unsigned)KH_ABI_VERSION);
        return 0;
    }
    if (op->name == NULL) {
        snprintf(why, cap, "op name is NULL");
        return 0;
    }
    if (!valid_op_name(op->name)) {
        snprintf(why, cap, "op name '%.120s' must match [A-Za-z_][A-Za-z0-9_.-]* (at most 100 characters)", op->name);
        return 0;
    }
    for (int i = 0; i < r->n_ops; i++)
        if (strcmp(r->ops[i].name, op->name) == 0) {
            snprintf(why, cap, "op '%s' registered twice", op->name);
            return 0;
        }
    if (op->description != NULL && !is_single_line(op->description)) {
        snprintf(why, cap, "op '%s': description must be one line", op->name);
        return 0;
    }
    if (op->device_kind != KH_DEVICE_CPU && op->device_kind != KH_DEVICE_CUDA) {
        snprintf(why, cap, "op '%s': unknown device_kind %d", op->name, (int)op->device_kind);
        return 0;
    }
    if (op->dtypes == 0 || (op->dtypes & ~KNOWN_DTYPE_BITS) != 0) {
        snprintf(why, cap, "op '%s': dtypes 0x%x must be a non-empty set of (1u << KH_DTYPE_F32/F16/BF16)",
                 op->name, (unsigned)op->dtypes);
        return 0;
    }
    if ((op->features & ~KNOWN_FEATURE_BITS) != 0) {
        snprintf(why, cap, "op '%s': unknown feature bits 0x%x", op->name, (unsigned)(op->features & ~KNOWN_FEATURE_BITS));
        return 0;
    }
    if (op->min_head_dim < 1 || op->max_head_dim < op->min_head_dim || op->max_head_dim > MAX_HEAD_DIM) {
        snprintf(why, cap, "op '%s': head dims [%d, %d] must satisfy 1 <= min <= max <= %d", op->name,
                 (int)op->min_head_dim, (int)op->max_head_dim, MAX_HEAD_DIM);
        return 0;
    }
    if (op->head_dim_multiple < 1) {
        snprintf(why, cap, "op '%s': head_dim_multiple %d must be >= 1", op->name, (int)op->head_dim_multiple);
        return 0;
    }
    if (op->fn == NULL) {
        snprintf(why, cap, "op '%s': fn is NULL", op->name);
        return 0;
    }
    if (op->is_default)
        for (int i = 0; i < r->n_ops; i++)
            if (r->ops[i].is_default) {
                snprintf(why, cap, "op '%s' and op '%s' are both marked default", r->ops[i].name, op->name);
                return 0;
            }
    if (r->n_ops >= MAX_OPS) {
        snprintf(why, cap, "more than %d ops", MAX_OPS);
        return 0;
    }
    return 1;
}

static kh_status record_op(void *ctx, const kh_op_desc *op) {
    recorder *r = (recorder *)ctx;
    char why[ERR_CAP];
    if (op == NULL) {
        snprintf(why, sizeof why, "register_op called with NULL");
    } else if (check_op(r, op, why, sizeof why)) {
        recorded_op *o = &r->ops[r->n_ops];
        o->name = dup_string(op->name);
        o->description = op->description ? dup_string(op->description) : NULL;
        if (o->name == NULL || (op->description && o->description == NULL)) {
            snprintf(why, sizeof why, "out of memory");
            goto rejected;
        }
        o->device_kind = op->device_kind;
        o->dtypes = op->dtypes;
        o->features = op->features;
        o->min_head_dim = op->min_head_dim;
        o->max_head_dim = op->max_head_dim;
        o->head_dim_multiple = op->head_dim_multiple;
        o->is_default = op->is_default != 0;
        r->n_ops++;
        return KH_OK;
    }
rejected:
    if (r->n_rejected++ == 0) snprintf(r->first_rejection, sizeof r->first_rejection, "%s", why);
    error("register_op refused: %s", why);
    return KH_ERR_INVALID_ARGUMENT;
}

static void record_log(void *ctx, int32_t level, const char *message) {
    static const char *const names[] = {"debug", "info", "warning", "error"};
    (void)ctx;
    fprintf(stderr, "%s: [%s] %s\n", prog, (level >= 0 && level <= 3) ? names[level] : "log",
            message ? message : "(null)");
}

static const char *status_name(kh_status s) {
    switch (s) {
    case KH_OK: return "KH_OK";
    case KH_ERR_INVALID_ARGUMENT: return "KH_ERR_INVALID_ARGUMENT";
    case KH_ERR_UNSUPPORTED: return "KH_ERR_UNSUPPORTED";
    case KH_ERR_DEVICE: return "KH_ERR_DEVICE";
    case KH_ERR_OUT_OF_MEMORY: return "KH_ERR_OUT_OF_MEMORY";
    case KH_ERR_INTERNAL: return "KH_ERR_INTERNAL";
    default: return "unknown status";
    }
}

/* ---- loading -------------------------------------------------------------------------- */

typedef uint32_t (*abi_version_fn)(void);
typedef kh_status (*register_fn)(const kh_host *, char *, size_t);

static int describe(const char *path) {
    static recorder rec; /* large; zero-initialised */
    char loadpath[4096];
    /* dlopen searches the library path for names without a slash: always load the file given. */
    if (strchr(path, '/') == NULL
#if defined(_WIN32)
        && strchr(path, '\\') == NULL
#endif
    )
        snprintf(loadpath, sizeof loadpath, "./%s", path);
    else
        snprintf(loadpath, sizeof loadpath, "%s", path);

#if defined(_WIN32)
    HMODULE lib = LoadLibraryA(loadpath);
    if (lib == NULL) {
        error("cannot load %s: LoadLibrary failed with error %lu", path, (unsigned long)GetLastError());
        return 1;
    }
    abi_version_fn abi = (abi_version_fn)(void (*)(void))GetProcAddress(lib, "kh_abi_version");
    register_fn reg = (register_fn)(void (*)(void))GetProcAddress(lib, "kh_register");
#else
    void *lib = dlopen(loadpath, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        const char *e = dlerror();
        error("cannot load %s: %s", path, e ? e : "dlopen failed");
        if (e && strstr(e, "libcuda")) {
            error("the bundle needs the CUDA driver library just to load; CUDA bundles must link the runtime "
                  "statically (-cudart static, which KernelHub.cmake sets) and must not link libcuda directly "
                  "(load driver entry points lazily, e.g. through cudaGetDriverEntryPoint)");
        } else if (e && strstr(e, "libcudart")) {
            error("the bundle links the CUDA runtime dynamically; build it with -cudart static "
                  "(CUDA_RUNTIME_LIBRARY Static, which KernelHub.cmake sets)");
        }
        return 1;
    }
    union { void *p; abi_version_fn f; } u_abi;
    union { void *p; register_fn f; } u_reg;
    u_abi.p = dlsym(lib, "kh_abi_version");
    u_reg.p = dlsym(lib, "kh_register");
    abi_version_fn abi = u_abi.f;
    register_fn reg = u_reg.f;
#endif
    if (abi == NULL) {
        error("%s does not export kh_abi_version (is it a kernelhub bundle? exported symbols need KH_EXPORT "
              "and C linkage)", path);
        return 1;
    }
    uint32_t version = abi();
    if (version != KH_ABI_VERSION) {
        error("%s implements kernelhub ABI %u, this tool (and kernelhub.h) is ABI %u; rebuild the bundle against "
              "the current native/include/kernelhub.h", path, (unsigned)version, (unsigned)KH_ABI_VERSION);
        return 1;
    }
    if (reg == NULL) {
        error("%s does not export kh_register (exported symbols need KH_EXPORT and C linkage)", path);
        return 1;
    }

    kh_host host;
    memset(&host, 0, sizeof host);
    host.struct_size = (uint32_t)sizeof host;
    host.abi_version = KH_ABI_VERSION;
    host.host_ctx = &rec;
    host.register_op = record_op;
    host.log = record_log;

    char err[ERR_CAP];
    memset(err, 0, sizeof err);
    kh_status st = reg(&host, err, sizeof err);
    err[sizeof err - 1] = '\0';
    if (st != KH_OK) {
        error("kh_register failed with status %d (%s): %s", (int)st, status_name(st),
              err[0] ? err : "(the bundle gave no message)");
        return 1;
    }
    if (rec.n_rejected > 0) {
        error("kh_register returned KH_OK although the host refused %d op(s); first: %s", rec.n_rejected,
              rec.first_rejection);
        return 1;
    }
    if (rec.n_ops == 0) {
        error("kh_register registered no ops");
        return 1;
    }
    /* No op flagged is_default: the host takes the first one (docs/ABI.md). */

    FILE *f = stdout;
    fprintf(f, "{\n  \"library\": ");
    json_string(f, path);
    fprintf(f, ",\n  \"abi_version\": %u,\n  \"ops\": [", (unsigned)version);
    for (int i = 0; i < rec.n_ops; i++) {
        const recorded_op *o = &rec.ops[i];
        fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
        json_string(f, o->name);
        fputs(", \"description\": ", f);
        json_string(f, o->description);
        fprintf(f, ", \"device\": \"%s\", \"dtypes\": [", o->device_kind == KH_DEVICE_CUDA ? "cuda" : "cpu");
        int first = 1;
        for (unsigned d = 0; d < N_DTYPES; d++)
            if (o->dtypes & (1u << d)) {
                fprintf(f, "%s\"%s\"", first ? "" : ", ", DTYPE_IDS[d]);
                first = 0;
            }
        fprintf(f, "], \"head_dim\": {\"min\": %d, \"max\": %d, \"multiple_of\": %d}, \"features\": [",
                (int)o->min_head_dim, (int)o->max_head_dim, (int)o->head_dim_multiple);
        first = 1;
        for (unsigned b = 0; b < N_FEATURES; b++)
            if (o->features & (1u << b)) {
                fprintf(f, "%s\"%s\"", first ? "" : ", ", FEATURE_IDS[b]);
                first = 0;
            }
        fprintf(f, "], \"default\": %s}", o->is_default ? "true" : "false");
    }
    fprintf(f, "\n  ]\n}\n");
    /* The library stays loaded until exit: ops may hold static state, and unloading CUDA-runtime
       bundles at exit is a known source of crashes. */
    return fflush(f) == 0 ? 0 : 1;
}

/* ---- fatbin listing (ELF64 little-endian) ---------------------------------------------- */

/* Layout of the fatbin container (as written by nvcc/fatbinary; not a public header):
 *   container: u32 magic 0xBA55ED50, u16 version, u16 header_size, u64 payload_size
 *   entry:     u16 kind (1 = PTX, 2 = ELF/SASS), u16 version, u32 header_size, u64 payload_size,
 *              ... u32 arch at offset 28 (e.g. 90), u64 flags at offset 40
 *              (0x100000 = arch-specific "a" target, 0x200000 = family "f" target)
 * Several containers may follow one another in .nv_fatbin (8-byte aligned). */
#define FATBIN_MAGIC 0xBA55ED50u

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const unsigned char *p) { return (uint32_t)rd16(p) | ((uint32_t)rd16(p + 2) << 16); }
static uint64_t rd64(const unsigned char *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

typedef struct target { int kind; unsigned arch; char suffix; } target;

static int target_cmp(const void *a, const void *b) {
    const target *x = (const target *)a, *y = (const target *)b;
    if (x->kind != y->kind) return x->kind - y->kind;
    if (x->arch != y->arch) return x->arch < y->arch ? -1 : 1;
    return x->suffix - y->suffix;
}

static int list_fatbin(const char *path) {
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        error("cannot open %s", path);
        return 1;
    }
    if (fseek(in, 0, SEEK_END) != 0) { fclose(in); error("cannot read %s", path); return 1; }
    long size = ftell(in);
    rewind(in);
    unsigned char *d = size > 0 ? (unsigned char *)malloc((size_t)size) : NULL;
    if (d == NULL || fread(d, 1, (size_t)size, in) != (size_t)size) {
        fclose(in);
        free(d);
        error("cannot read %s", path);
        return 1;
    }
    fclose(in);
    size_t n = (size_t)size;
    if (n < 64 || memcmp(d, "\177ELF", 4) != 0 || d[4] != 2 || d[5] != 1) {
        free(d);
        error("%s is not a 64-bit little-endian ELF file", path);
        return 1;
    }
    uint64_t shoff = rd64(d + 0x28);
    uint16_t shentsize = rd16(d + 0x3A), shnum = rd16(d + 0x3C), shstrndx = rd16(d + 0x3E);
    if (shoff == 0 || shentsize < 64 || shoff + (uint64_t)shnum * shentsize > n || shstrndx >= shnum) {
        free(d);
        error("%s: bad ELF section table", path);
        return 1;
    }
    const unsigned char *strsh = d + shoff + (uint64_t)shstrndx * shentsize;
    uint64_t stroff = rd64(strsh + 0x18), strsize = rd64(strsh + 0x20);
    if (stroff + strsize > n) { free(d); error("%s: bad ELF string table", path); return 1; }

    target targets[512];
    int nt = 0, found = 0;
    for (unsigned i = 0; i < shnum; i++) {
        const unsigned char *sh = d + shoff + (uint64_t)i * shentsize;
        uint32_t nameoff = rd32(sh);
        if (nameoff >= strsize || strcmp((const char *)d + stroff + nameoff, ".nv_fatbin") != 0) continue;
        uint64_t off = rd64(sh + 0x18), len = rd64(sh + 0x20);
        if (off + len > n) { free(d); error("%s: .nv_fatbin lies outside the file", path); return 1; }
        found = 1;
        const unsigned char *s = d + off;
        uint64_t q = 0;
        while (q + 16 <= len) {
            if (rd32(s + q) != FATBIN_MAGIC) { q += 8; continue; }
            uint16_t hs = rd16(s + q + 6);
            uint64_t fs = rd64(s + q + 8);
            uint64_t p = q + hs, end = q + hs + fs;
            if (hs < 16 || end > len) { free(d); error("%s: truncated fatbin container", path); return 1; }
            while (p + 48 <= end) {
                uint16_t kind = rd16(s + p);
                uint32_t ehs = rd32(s + p + 4);
                uint64_t ps = rd64(s + p + 8);
                unsigned arch = rd32(s + p + 28);
                uint64_t flags = rd64(s + p + 40);
                if (ehs < 48 || p + ehs + ps > end) { free(d); error("%s: truncated fatbin entry", path); return 1; }
                if ((kind == 1 || kind == 2) && nt < (int)(sizeof targets / sizeof targets[0])) {
                    target t = {kind, arch, (flags & 0x100000u) ? 'a' : (flags & 0x200000u) ? 'f' : 0};
                    int dup = 0;
                    for (int k = 0; k < nt; k++) dup |= target_cmp(&targets[k], &t) == 0;
                    if (!dup) targets[nt++] = t;
                }
                p += ehs + ps;
            }
            q = (end + 7) & ~(uint64_t)7;
        }
    }
    free(d);
    if (!found) {
        error("%s has no .nv_fatbin section (no CUDA device code)", path);
        return 1;
    }
    qsort(targets, (size_t)nt, sizeof targets[0], target_cmp);
    printf("{\n  \"sass\": [");
    int first = 1;
    for (int k = 0; k < nt; k++)
        if (targets[k].kind == 2) {
            printf("%s\"sm_%u", first ? "" : ", ", targets[k].arch);
            if (targets[k].suffix) putchar(targets[k].suffix);
            putchar('"');
            first = 0;
        }
    printf("],\n  \"ptx\": [");
    first = 1;
    for (int k = 0; k < nt; k++)
        if (targets[k].kind == 1) {
            printf("%s\"compute_%u", first ? "" : ", ", targets[k].arch);
            if (targets[k].suffix) putchar(targets[k].suffix);
            putchar('"');
            first = 0;
        }
    printf("]\n}\n");
    return fflush(stdout) == 0 ? 0 : 1;
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: kh-describe LIBRARY           print the ops a kernelhub bundle registers (JSON)\n"
            "       kh-describe --fatbin LIBRARY  print the SASS/PTX targets in its .nv_fatbin (JSON)\n");
}

int main(int argc, char **argv) {
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc == 2 && argv[1][0] != '-') return describe(argv[1]);
    if (argc == 3 && strcmp(argv[1], "--fatbin") == 0) return list_fatbin(argv[2]);
    usage(stderr);
    return 2;
}
