// The batch Greeks loop compiled for AVX2+FMA (see CMakeLists.txt); called only after
// black_scholes.cpp has checked the CPU's feature bits.
#include "keeper/pricing/black_scholes_kernel.hpp"

namespace keeper::pricing::detail {

void kernel_block_avx2(const InColumns& in, const OutColumns& out, std::size_t n) noexcept {
    kernel_loop(in, out, n);
}

void value_delta_gamma_avx2(const PreparedColumns& in, const double* spot, const ValueDeltaGammaColumns& out,
                            std::size_t n) noexcept {
    value_delta_gamma_loop(in, spot, out, n);
}

void kernel_block_core_avx2(const InColumns& in, const CoreOutColumns& out, std::size_t n) noexcept {
    kernel_loop_core(in, out, n);
}

Greeks kernel_one_avx2(const Inputs& in) noexcept {
    return kernel<Greeks, Path::kSingle>(in);
}

CoreGreeks kernel_one_core_avx2(const Inputs& in) noexcept {
    return kernel<CoreGreeks, Path::kSingle>(in);
}

}  // namespace keeper::pricing::detail
