// Test support: a local MEV relay + block builder, speaking the relay JSON-RPC methods over
// HTTP (Boost.Beast) on a free loopback port.
//
//   eth_sendPrivateTransaction [{tx, maxBlockNumber?, preferences?}]   -> tx hash
//   eth_cancelPrivateTransaction [{txHash}]                             -> true / false
//   eth_sendBundle [{txs, blockNumber, replacementUuid?}]               -> {bundleHash}
//   eth_cancelBundle [{replacementUuid}]                                -> null
//   eth_callBundle [{txs, blockNumber, stateBlockNumber}]               -> {results: [...]} (eth_call on the chain)
//   eth_sendRawTransaction [raw]                                        -> tx hash (protect mode: held privately)
//   GET /tx/<hash>                                                      -> status API {status, hash, maxBlockNumber}
//
// Every signed method needs X-Flashbots-Signature over the exact body; a missing or bad one is
// refused with HTTP 403 and {"error": {"code": -32600, "message": "..."}} (recovered here with
// keeper/crypto's personal_recover directly, not with keeper/mev's verifier).
//
// Privacy: transactions are held in this process's memory only. The test mines blocks through
// mine(): under the ChainGate lock (which the sandwich bot also takes for each look at the
// mempool) it sends the transactions eligible for block N to anvil with eth_sendRawTransaction,
// mines with evm_mine, and drops from anvil's pool anything it injected that did not land
// (anvil_dropTransaction). mine() always makes exactly ONE block: when anvil automines, it
// pauses automine while it builds the block and restores it afterwards. So no observer holding the gate ever sees them
// pending: they exist publicly only as part of block N. Transactions whose window passed are
// marked FAILED (expired) and never injected.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace keeper::test {

/// Serialises "look at the public mempool" (the bot) against "inject and mine" (the relay).
struct ChainGate {
    std::mutex mutex;
};

/// Sends one JSON-RPC request to the chain and returns the raw response body.
using ChainCall = std::function<std::string(const std::string& method, const std::string& params_json)>;

struct RelayOptions {
    ChainCall chain;                      // empty: no chain (accept-only relay, e.g. for benchmarks)
    std::shared_ptr<ChainGate> gate;      // shared with the sandwich bot
    bool require_signature{true};
    std::uint64_t max_window{25};         // maxBlockNumber is clamped to head + max_window
};

enum class PrivateStatus { kPending, kIncluded, kFailed, kCancelled };

struct RelayStats {
    std::uint64_t requests{0};
    std::uint64_t rejected_auth{0};
    std::uint64_t private_accepted{0};
    std::uint64_t bundles_accepted{0};
    std::uint64_t injected{0};   // raw transactions handed to the chain by mine()
    std::string last_signer;     // 0x-address (lowercase) of the last authenticated request
};

class LocalRelay {
public:
    explicit LocalRelay(RelayOptions options);
    ~LocalRelay();
    LocalRelay(const LocalRelay&) = delete;
    LocalRelay& operator=(const LocalRelay&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] std::string url() const;         // http://127.0.0.1:<port>/
    [[nodiscard]] std::string status_url() const;  // http://127.0.0.1:<port>/tx/

    /// Builds block head+1 (one block, automine or not) on the chain with the eligible private
    /// transactions and bundles and whatever anvil's public pool holds; returns its number.
    std::uint64_t mine();

    [[nodiscard]] std::optional<PrivateStatus> status(const std::string& tx_hash) const;
    [[nodiscard]] std::size_t held() const;  // private transactions still pending
    [[nodiscard]] RelayStats stats() const;
    struct Received {
        std::string method;
        std::string body;       // the exact bytes received
        std::string signature;  // the X-Flashbots-Signature header value, empty when absent
    };
    /// Requests exactly as received (for tests of the signer).
    [[nodiscard]] std::vector<Received> received() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
    std::uint16_t port_{0};
};

}  // namespace keeper::test
