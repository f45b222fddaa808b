#include "keeper/crypto/eip191.hpp"

#include <algorithm>
#include <string>

#include "keeper/crypto/keccak.hpp"

namespace keeper {

Hash32 personal_message_hash(ByteView message) noexcept {
    // Prefix plus up to 20 decimal digits: fits in a small stack buffer, no allocation.
    static constexpr std::string_view kPrefix =
        "\x19"
        "Ethereum Signed Message:\n";
    char digits[24];
    std::size_t pos = sizeof(digits);
    std::size_t n = message.size();
    do {
        digits[--pos] = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n != 0);
    Keccak256 h;
    h.update(kPrefix);
    h.update(std::string_view(digits + pos, sizeof(digits) - pos));
    if (!message.empty()) h.update(message);  // an empty span may carry a null pointer
    return h.finalize();
}

Expected<Signature, SignError> personal_sign(const SecretKey& key, ByteView message) noexcept {
    return sign_hash(key, personal_message_hash(message));
}

Expected<Address, SignError> personal_recover(ByteView message, const Signature& sig) noexcept {
    return recover_address(personal_message_hash(message), sig);
}

std::array<std::uint8_t, 65> to_rsv(const Signature& sig) noexcept {
    std::array<std::uint8_t, 65> out{};
    const auto r = to_be32(sig.r);
    const auto s = to_be32(sig.s);
    std::copy(r.begin(), r.end(), out.begin());
    std::copy(s.begin(), s.end(), out.begin() + 32);
    out[64] = static_cast<std::uint8_t>(27 + sig.y_parity);
    return out;
}

Expected<Signature, SignError> from_rsv(ByteView sig65) noexcept {
    if (sig65.size() != 65) return Unexpected(SignError::kWrongLength);
    const std::uint8_t v = sig65[64];
    Signature out;
    if (v == 0 || v == 1) {
        out.y_parity = v;
    } else if (v == 27 || v == 28) {
        out.y_parity = static_cast<std::uint8_t>(v - 27);
    } else {
        return Unexpected(SignError::kInvalidRecoveryId);
    }
    out.r = *from_be(sig65.first(32));
    out.s = *from_be(sig65.subspan(32, 32));
    return out;
}

}  // namespace keeper
