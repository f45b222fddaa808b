// The demo's view of a local chain: synchronous JSON-RPC over keeper::rpc's EndpointPool,
// transactions signed with keeper::tx (EIP-1559) from dev accounts whose nonces the demo
// tracks itself, ABI calls through keeper::abi, and anvil's block-production controls.
//
// Why synchronous: the market driver is a sequence (move the pool, set the oracle, mine, wait
// for the keeper, mine, sample), so each call runs the pool's coroutine to completion on a
// private io_context. The keeper daemon, which must do many things at once, is a separate
// process with its own event loop.
//
// Errors: this is orchestration code, so failures throw DemoError with one line that names
// the call and what the node said (revert reasons decoded with the vault's ABI when given);
// the `keeper demo` command catches it at the top, stops what it started and prints it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "keeper/abi/json_abi.hpp"
#include "keeper/abi/value.hpp"
#include "keeper/core/bytes.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/crypto/secp256k1.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/jsonrpc.hpp"

namespace keeper::demo {

class DemoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A dev account the demo signs for. The key never leaves this object.
struct Account {
    std::string label;  // "deployer", "trader": for messages
    Address address;
    SecretKey key;
    std::optional<std::uint64_t> next_nonce;  // fetched on first use, then counted locally
};

/// Anvil's well-known dev accounts (derived from the public test mnemonic). 0 deploys and
/// administers, 1 is the keeper, 2 trades.
[[nodiscard]] Account dev_account(unsigned index, std::string label);

/// Calldata of `signature` ("transfer(address,uint256)") with `args`; throws on a mismatch.
[[nodiscard]] Bytes calldata(std::string_view signature, const std::vector<abi::Value>& args);
/// Decodes the outputs of `signature` ("slot0()(uint160,int24,...)") from return data.
[[nodiscard]] std::vector<abi::Value> decode_outputs(std::string_view signature, ByteView data);

/// Value accessors with a clear error when a decoded value has another type.
[[nodiscard]] U256 as_u256(const abi::Value& v, std::string_view what);
[[nodiscard]] I256 as_i256(const abi::Value& v, std::string_view what);
[[nodiscard]] bool as_bool(const abi::Value& v, std::string_view what);
[[nodiscard]] Address as_address(const abi::Value& v, std::string_view what);

struct SendOptions {
    std::optional<std::uint64_t> gas_limit;  // default: eth_estimateGas on the pending state + 30 %
    U256 max_priority_fee{0};                // the market's own transactions tip nothing
};

class Chain {
public:
    /// Connects to `url` (waiting up to `ready_within` for the node to answer) and checks the
    /// chain id. `errors_abi` decodes custom revert errors in messages (may be null).
    Chain(const std::string& url, std::uint64_t chain_id, std::chrono::milliseconds ready_within,
          std::shared_ptr<const abi::Abi> errors_abi = nullptr);
    ~Chain();
    Chain(const Chain&) = delete;
    Chain& operator=(const Chain&) = delete;

    [[nodiscard]] std::uint64_t chain_id() const noexcept { return chain_id_; }

    /// One JSON-RPC call; a node error object becomes a DemoError naming the method.
    rpc::Json request(const std::string& method, rpc::Json params = rpc::Json::array());

    [[nodiscard]] std::uint64_t block_number();
    [[nodiscard]] rpc::BlockHeader block(const rpc::BlockRef& ref);
    /// eth_call of `data` at `to`; a revert throws with the decoded reason.
    [[nodiscard]] Bytes call(const Address& to, ByteView data, const rpc::BlockRef& block = rpc::BlockTag::kLatest);
    /// call() of `signature` with `args`, outputs decoded.
    [[nodiscard]] std::vector<abi::Value> call_fn(const Address& to, std::string_view signature,
                                                  const std::vector<abi::Value>& args = {},
                                                  const rpc::BlockRef& block = rpc::BlockTag::kLatest);
    [[nodiscard]] std::uint64_t nonce(const Address& a, const rpc::BlockRef& block);

    /// Signs and broadcasts a call from `from`; returns the transaction hash. The gas estimate
    /// runs against the pending state, so transactions queued for one block may build on each
    /// other; an estimate that reverts throws with the reason.
    Hash32 send(Account& from, const Address& to, Bytes data, const SendOptions& options = {});
    /// The receipt, polling up to `within` (it exists once the block is mined).
    [[nodiscard]] rpc::Receipt receipt(const Hash32& tx, std::chrono::milliseconds within = std::chrono::seconds(10));
    /// send(), then the receipt; a reverted transaction throws naming `what`. Needs automine
    /// (or a caller that mines).
    rpc::Receipt transact(Account& from, const Address& to, Bytes data, std::string_view what,
                          const SendOptions& options = {});
    /// Logs of `address` with topic 0 `topic0` in [from, to].
    [[nodiscard]] std::vector<rpc::Log> logs(const Address& address, const Hash32& topic0, std::uint64_t from,
                                             std::uint64_t to);

    // ---- anvil controls ----
    void set_automine(bool on);
    /// Mines one block with timestamp `timestamp` (seconds); returns its number.
    std::uint64_t mine(std::uint64_t timestamp);
    /// Transactions waiting in the node's pool.
    [[nodiscard]] std::size_t pending_count();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::uint64_t chain_id_;
    std::shared_ptr<const abi::Abi> errors_abi_;
    [[nodiscard]] std::string describe_revert(const rpc::RpcError& e) const;
};

/// Waits until something accepts TCP connections on 127.0.0.1:`port` (a node starting up).
[[nodiscard]] bool wait_for_port(std::uint16_t port, std::chrono::milliseconds within);
/// A loopback TCP port that was free a moment ago.
[[nodiscard]] std::uint16_t free_loopback_port();
/// GET http://127.0.0.1:port/path with a short timeout; nullopt when nothing answers.
[[nodiscard]] std::optional<std::string> http_get(std::uint16_t port, const std::string& path);

}  // namespace keeper::demo
