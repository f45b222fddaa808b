// The public-mempool submitter: eth_sendRawTransaction through the endpoint pool, for local
// chains and for operators who chose the public mempool.
//
// How node answers map to SubmitStatus (geth, anvil, reth, nethermind, erigon wordings):
//  - a result (the transaction hash)                      -> kAccepted
//  - "already known", "known transaction", "already imported", "AlreadyKnown"
//                                                         -> kAccepted: the node holds these bytes
//  - "nonce too low" / "nonce has already been used": the nonce is consumed; if the node knows
//    a transaction with exactly this hash (eth_getTransactionByHash), it is ours, already mined
//    or pending                                           -> kAccepted, else kRejected
//  - any other error object (underpriced, insufficient funds, bad signature)   -> kRejected
//  - no endpoint reachable (transport, timeouts, rate limits)                  -> kUnavailable
// visibility(): the node knows the hash (pending or mined) -> kPending, else kUnknown; when the
// node cannot be asked the answer is kPending (never report a drop that was not observed).
#pragma once

#include <utility>  // before Asio

#include <string>
#include <string_view>

#include "keeper/rpc/jsonrpc.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/submit/submitter.hpp"

namespace keeper::submit {

/// eth_getTransactionByHash(tx_hash): the transaction object, or null when the node does not
/// know it (never seen, or dropped from its mempool).
[[nodiscard]] rpc::Call get_transaction_by_hash(const Hash32& tx_hash);

/// How a node's eth_sendRawTransaction error message reads (pure, for tests and the MEV
/// submitters that relay the same node errors).
enum class SendErrorClass : std::uint8_t {
    kAlreadyKnown,  // the node already holds these exact bytes
    kNonceTooLow,   // the nonce was consumed (by these bytes or by another transaction)
    kOther,         // a refusal for good (underpriced, funds, signature, ...)
};
[[nodiscard]] SendErrorClass classify_send_error(std::string_view message) noexcept;

class PublicSubmitter final : public Submitter {
public:
    explicit PublicSubmitter(rpc::EndpointPool& pool) noexcept : pool_(pool) {}

    [[nodiscard]] std::string_view name() const noexcept override { return "public"; }
    [[nodiscard]] bool is_private() const noexcept override { return false; }

    [[nodiscard]] asio::awaitable<SubmitResult> submit(const SubmitRequest& request) override;
    [[nodiscard]] asio::awaitable<Visibility> visibility(const Hash32& tx_hash, std::uint64_t head_number) override;
    /// The public mempool cannot withdraw a transaction: always false (replace it instead).
    [[nodiscard]] asio::awaitable<bool> cancel(const Hash32& tx_hash) override;
    /// Nothing to re-target in the public mempool.
    asio::awaitable<void> on_head(std::uint64_t head_number) override;

private:
    /// kAccepted if the node knows `tx_hash`, `otherwise` if it does not, kUnavailable if it
    /// cannot be asked.
    asio::awaitable<SubmitStatus> known(const Hash32& tx_hash, SubmitStatus otherwise);

    rpc::EndpointPool& pool_;
};

}  // namespace keeper::submit
