// Raw signed transactions: arbitrary bytes never crash, anything accepted re-encodes to exactly
// the input, and the derived views (hash, JSON with sender recovery) are safe to compute.
#include <cstdint>
#include <cstdlib>

#include "keeper/tx/json.hpp"
#include "keeper/tx/transaction.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace keeper;
    const ByteView raw(data, size);
    const auto tx = SignedTransaction::decode(raw);
    if (!tx) return 0;
    if (tx->encode() != Bytes(raw.begin(), raw.end())) std::abort();
    const auto again = SignedTransaction::decode(tx->encode());
    if (!again || !(*again == *tx)) std::abort();
    (void)to_json(*tx).dump();  // recovers the sender: must fail cleanly on garbage signatures
    return 0;
}
