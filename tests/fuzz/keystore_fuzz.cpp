// Keystore JSON decoder: arbitrary bytes never crash, anything accepted re-serializes to the
// same keystore, and decryption with a fixed password fails cleanly. The KDF caps are lowered
// so each input costs microseconds; the cap check itself is the same code at any bound.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "keeper/keystore/keystore.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const keeper::KdfLimits limits{1U << 16, 64};  // 64 KiB of scrypt, 64 PBKDF2 rounds
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    auto ks = keeper::parse_keystore(json, limits);
    if (!ks) return 0;
    auto again = keeper::parse_keystore(keeper::to_json(*ks), limits);
    if (!again || !(*again == *ks)) std::abort();
    auto key = keeper::decrypt_keystore(*ks, "fuzz", limits);
    if (key && key->reveal().size() != 32) std::abort();
    return 0;
}
