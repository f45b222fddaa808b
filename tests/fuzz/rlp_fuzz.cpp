// RLP decoders: arbitrary bytes never crash, and anything accepted re-encodes to exactly the
// input (canonical decoding). The same bytes, read as to-rlp text, must round-trip too.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "keeper/rlp/item.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace keeper;
    const ByteView input(data, size);
    ByteView view = input;
    if (auto item = rlp::decode_item(view, rlp::Leftover::kProhibit)) {
        if (rlp::encode(*item) != Bytes(input.begin(), input.end())) std::abort();
        if (*rlp::parse_item_text(rlp::to_text(*item)) != *item) std::abort();
    }
    view = input;
    U256 n;
    if (rlp::decode(view, n, rlp::Leftover::kProhibit)) {
        Bytes again;
        rlp::encode(again, n);
        if (again != Bytes(input.begin(), input.end())) std::abort();
    }
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto item = rlp::parse_item_text(text)) {
        const Bytes encoded = rlp::encode(*item);
        ByteView v(encoded);
        auto back = rlp::decode_item(v, rlp::Leftover::kProhibit);
        if (!back || *back != *item) std::abort();
    }
    return 0;
}
