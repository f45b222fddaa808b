#include "keeper/submit/public_submitter.hpp"

#include <algorithm>
#include <cctype>

#include "keeper/core/hex.hpp"
#include "keeper/rpc/eth.hpp"

namespace keeper::submit {

namespace {

bool contains_ci(std::string_view haystack, std::string_view needle) {
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
    return it != haystack.end();
}

}  // namespace

rpc::Call get_transaction_by_hash(const Hash32& tx_hash) {
    return rpc::Call{"eth_getTransactionByHash", rpc::Json::array({to_hex(tx_hash.view())})};
}

SendErrorClass classify_send_error(std::string_view message) noexcept {
    if (contains_ci(message, "already known") || contains_ci(message, "known transaction") ||
        contains_ci(message, "already imported") || contains_ci(message, "alreadyknown") ||
        contains_ci(message, "already in pool") || contains_ci(message, "already exists"))
        return SendErrorClass::kAlreadyKnown;
    if (contains_ci(message, "nonce too low") || contains_ci(message, "nonce has already been used") ||
        contains_ci(message, "oldnonce") || contains_ci(message, "nonce is too low"))
        return SendErrorClass::kNonceTooLow;
    return SendErrorClass::kOther;
}

asio::awaitable<SubmitStatus> PublicSubmitter::known(const Hash32& tx_hash, SubmitStatus otherwise) {
    auto r = co_await pool_.call(get_transaction_by_hash(tx_hash));
    if (!r) co_return SubmitStatus::kUnavailable;
    co_return r->is_null() ? otherwise : SubmitStatus::kAccepted;
}

asio::awaitable<SubmitResult> PublicSubmitter::submit(const SubmitRequest& request) {
    SubmitResult out;
    auto r = co_await pool_.call(rpc::eth::send_raw_transaction(ByteView(request.raw)));
    if (r) {
        out.status = SubmitStatus::kAccepted;
        out.accepted_by.emplace_back(name());
        co_return out;
    }
    const rpc::Error& e = r.error();
    if (e.code != rpc::Errc::kRpc || !e.rpc) {
        out.status = SubmitStatus::kUnavailable;
        out.detail = e.describe();
        co_return out;
    }
    out.detail = e.rpc->describe();
    switch (classify_send_error(e.rpc->message)) {
        case SendErrorClass::kAlreadyKnown:
            out.status = SubmitStatus::kAccepted;
            break;
        case SendErrorClass::kNonceTooLow: {
            // Ours if the node knows exactly this hash (mined or pending); someone else's otherwise.
            const SubmitStatus s = co_await known(request.tx_hash, SubmitStatus::kRejected);
            out.status = s;
            if (s == SubmitStatus::kUnavailable) out.detail += " (and the node could not be asked about the hash)";
            break;
        }
        case SendErrorClass::kOther:
            out.status = SubmitStatus::kRejected;
            break;
    }
    if (out.status == SubmitStatus::kAccepted) out.accepted_by.emplace_back(name());
    co_return out;
}

asio::awaitable<Visibility> PublicSubmitter::visibility(const Hash32& tx_hash, std::uint64_t /*head_number*/) {
    auto r = co_await pool_.call(get_transaction_by_hash(tx_hash));
    if (!r) co_return Visibility::kPending;  // cannot tell: never report an unobserved drop
    co_return r->is_null() ? Visibility::kUnknown : Visibility::kPending;
}

asio::awaitable<bool> PublicSubmitter::cancel(const Hash32& /*tx_hash*/) {
    co_return false;
}

asio::awaitable<void> PublicSubmitter::on_head(std::uint64_t /*head_number*/) {
    co_return;
}

}  // namespace keeper::submit
