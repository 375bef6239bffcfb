// cmake/tests/cuda-smoke: CPU variant of the module test bundle (C++ on purpose: static libstdc++).
#include "kernelhub.h"
#include <string>
#include <vector>
#include <stdexcept>
#include <cstring>
#include <cstdio>
static kh_status fwd(const kh_attention_args *a, char *err, size_t cap) {
  try {
    std::vector<std::string> v{"cpu", KH_BUNDLE_VARIANT};
    if (a == nullptr) throw std::runtime_error("no args");
    return KH_OK;
  } catch (const std::exception &e) { std::snprintf(err, cap, "%s", e.what()); return KH_ERR_INTERNAL; }
}
extern "C" KH_EXPORT uint32_t kh_abi_version(void) { return KH_ABI_VERSION; }
extern "C" KH_EXPORT kh_status kh_register(const kh_host *host, char *err, size_t cap) {
  host->log(host->host_ctx, 1, "cpu smoke bundle registering (" KH_BUNDLE_ID ")");
  kh_op_desc op; std::memset(&op, 0, sizeof op);
  op.struct_size = sizeof op; op.name = "fwd"; op.description = "smoke \"cpu\" op\twith tab";
  op.device_kind = KH_DEVICE_CPU; op.dtypes = 1u << KH_DTYPE_F32; op.features = KH_FEATURE_CAUSAL | KH_FEATURE_SINKS | KH_FEATURE_PAGED_KV;
  op.min_head_dim = 64; op.max_head_dim = 256; op.head_dim_multiple = 8; op.is_default = 1; op.fn = fwd;
  kh_status s = host->register_op(host->host_ctx, &op);
  if (s != KH_OK) std::snprintf(err, cap, "refused");
  return s;
}
