// cmake/tests/cuda-smoke: CUDA variant of the module test bundle; kh_register makes no CUDA call.
#include "kernelhub.h"
#include <cuda_runtime.h>
#include <cstring>
#include <cstdio>
__global__ void zero_kernel(float *p, long n) { long i = blockIdx.x * (long)blockDim.x + threadIdx.x; if (i < n) p[i] = 0.f; }
static kh_status fwd_cuda(const kh_attention_args *a, char *err, size_t cap) {
  long n = 1; for (int d = 0; d < a->out.rank; d++) n *= a->out.shape[d];
  zero_kernel<<<(unsigned)((n + 255) / 256), 256, 0, (cudaStream_t)a->stream>>>((float *)a->out.data, n);
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) { std::snprintf(err, cap, "launch failed: %s", cudaGetErrorString(e)); return KH_ERR_DEVICE; }
  return KH_OK;
}
extern "C" KH_EXPORT uint32_t kh_abi_version(void) { return KH_ABI_VERSION; }
extern "C" KH_EXPORT kh_status kh_register(const kh_host *host, char *err, size_t cap) {
  kh_op_desc op; std::memset(&op, 0, sizeof op);
  op.struct_size = sizeof op; op.name = "fwd"; op.description = "smoke CUDA op (zeros)";
  op.device_kind = KH_DEVICE_CUDA; op.dtypes = (1u << KH_DTYPE_F32) | (1u << KH_DTYPE_BF16); op.features = KH_FEATURE_CAUSAL;
  op.min_head_dim = 32; op.max_head_dim = 256; op.head_dim_multiple = 32; op.is_default = 1; op.fn = fwd_cuda;
  kh_status s = host->register_op(host->host_ctx, &op);
  if (s != KH_OK) std::snprintf(err, cap, "refused");
  return s;
}
