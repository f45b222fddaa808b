// ABI decoder: arbitrary bytes (the first picks a parameter list) never crash; what the
// canonical decoder accepts re-encodes to exactly the input; what the strict and lenient
// decoders accept re-encodes to bytes the canonical decoder reads back to the same values.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "keeper/abi/codec.hpp"

namespace {
std::vector<std::vector<keeper::abi::Type>> make_type_sets() {
    std::vector<std::vector<keeper::abi::Type>> sets;
    for (const char* sig : {"(uint8,int16,address,bool,bytes3,int256)", "(bytes,string)", "(uint256[],bytes32[2])",
                            "((uint24,string)[],int8)", "(string[][2],(bool,bytes)[])", "(uint8[][],address[3][])",
                            "((int64,(bytes,uint16[2]))[1],string)"})
        sets.push_back(keeper::abi::types_of(keeper::abi::parse_function(sig).value().inputs));
    return sets;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace keeper::abi;
    static const auto kTypeSets = make_type_sets();
    if (size == 0) return 0;
    const auto& types = kTypeSets[data[0] % kTypeSets.size()];
    const keeper::ByteView input(data + 1, size - 1);
    if (auto v = decode(types, input, DecodeMode::kCanonical)) {
        const auto again = encode(types, *v);
        if (!again || !std::equal(again->begin(), again->end(), input.begin(), input.end())) std::abort();
    }
    for (const auto mode : {DecodeMode::kStrict, DecodeMode::kLenient}) {
        if (auto v = decode(types, input, mode)) {
            const auto again = encode(types, *v);
            if (!again) std::abort();
            const auto back = decode(types, *again, DecodeMode::kCanonical);
            if (!back || *back != *v) std::abort();
        }
    }
    return 0;
}
