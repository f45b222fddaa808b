// The contract ABIs of abi/*.json, embedded at build time (see embed_abis.cmake). Private to
// keeper/chain: use contracts.hpp.
#pragma once

#include <cstddef>

namespace keeper::chain::detail {

struct EmbeddedAbi {
    const char* name;    // file stem: "IOptionsVault"
    const char* sha256;  // of the JSON file, hex
    const char* json;    // the file's text
};

extern const EmbeddedAbi kEmbeddedAbis[];
extern const std::size_t kEmbeddedAbiCount;

}  // namespace keeper::chain::detail
