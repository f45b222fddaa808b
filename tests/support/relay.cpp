#include <utility>  // before Asio (Boost 1.74)

#include "support/relay.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip191.hpp"
#include "keeper/crypto/keccak.hpp"
#include "keeper/tx/transaction.hpp"

namespace keeper::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Json = nlohmann::json;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string quantity(std::uint64_t v) {
    static constexpr char kHex[] = "0123456789abcdef";
    if (v == 0) return "0x0";
    std::string out;
    while (v != 0) {
        out.insert(out.begin(), kHex[v & 0xF]);
        v >>= 4;
    }
    return "0x" + out;
}

std::uint64_t parse_quantity(const Json& j) {
    if (j.is_number_unsigned()) return j.get<std::uint64_t>();
    if (!j.is_string()) throw std::invalid_argument("not a quantity");
    return std::stoull(j.get<std::string>(), nullptr, 16);
}

/// Recovers the signer of an X-Flashbots-Signature header over `body`, or explains why not.
std::string check_signature(std::string_view header, const std::string& body, std::string& signer) {
    if (header.empty()) return "missing X-Flashbots-Signature header";
    const auto colon = header.find(':');
    if (colon == std::string_view::npos) return "invalid X-Flashbots-Signature header: expected <address>:<signature>";
    auto claimed = from_hex(header.substr(0, colon), HexPrefix::kRequired);
    auto sig_bytes = from_hex(header.substr(colon + 1), HexPrefix::kRequired);
    if (!claimed || claimed->size() != 20) return "invalid X-Flashbots-Signature header: bad address";
    if (!sig_bytes || sig_bytes->size() != 65) return "invalid X-Flashbots-Signature header: bad signature length";
    auto sig = from_rsv(*sig_bytes);
    if (!sig) return "invalid X-Flashbots-Signature header: malformed signature";
    const std::string message = to_hex(keccak256(body));
    auto recovered = personal_recover(as_bytes(message), *sig);
    if (!recovered) return "invalid X-Flashbots-Signature header: signature does not recover";
    if (!std::equal(recovered->bytes.begin(), recovered->bytes.end(), claimed->begin()))
        return "signature from wrong address";
    signer = lower(to_hex(recovered->view()));
    return {};
}

struct RpcFailure {
    std::int64_t code;
    std::string message;
    unsigned http_status{400};
};

}  // namespace

struct LocalRelay::Impl {
    struct PrivateTx {
        std::string raw;
        std::uint64_t max_block{0};
        PrivateStatus status{PrivateStatus::kPending};
        std::uint64_t included_block{0};
        std::string signer;
    };
    struct Bundle {
        std::string uuid;
        std::uint64_t block{0};
        std::vector<std::string> txs;
        std::string signer;
        bool cancelled{false};
    };

    RelayOptions options;
    asio::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::vector<std::thread> threads;

    mutable std::mutex mutex;  // everything below
    std::map<std::string, PrivateTx> txs;  // by lowercase 0x hash
    std::vector<Bundle> bundles;
    RelayStats stats;
    std::vector<LocalRelay::Received> received;

    explicit Impl(RelayOptions o) : options(std::move(o)) {
        if (!options.gate) options.gate = std::make_shared<ChainGate>();
    }

    Json chain(const std::string& method, const Json& params) const {
        if (!options.chain) throw std::runtime_error("relay has no chain");
        const Json reply = Json::parse(options.chain(method, params.dump()));
        if (reply.contains("error")) throw std::runtime_error(method + ": " + reply["error"].dump());
        return reply["result"];
    }

    std::uint64_t head() const { return options.chain ? parse_quantity(chain("eth_blockNumber", Json::array())) : 0; }

    static std::string hash_of(const std::string& raw_hex) {
        auto raw = from_hex(raw_hex, HexPrefix::kRequired);
        if (!raw || raw->empty()) throw RpcFailure{-32602, "invalid transaction: not 0x-hex"};
        auto tx = SignedTransaction::decode(*raw);
        if (!tx) throw RpcFailure{-32602, "invalid transaction: " + to_string(tx.error())};
        return lower(to_hex(tx->hash()));
    }

    Json accept_private(const std::string& raw, std::optional<std::uint64_t> max_block, const std::string& signer) {
        const std::string hash = hash_of(raw);
        const std::uint64_t h = head();
        std::uint64_t limit = max_block.value_or(h + options.max_window);
        if (options.chain && limit <= h) throw RpcFailure{-32602, "maxBlockNumber is in the past"};
        limit = std::min(limit, h + options.max_window);
        std::lock_guard lock(mutex);
        auto [it, inserted] = txs.try_emplace(hash);
        if (inserted || it->second.status != PrivateStatus::kIncluded) {
            it->second.raw = raw;
            it->second.max_block = std::max(it->second.max_block, limit);
            it->second.status = PrivateStatus::kPending;
            it->second.signer = signer;
        }
        ++stats.private_accepted;
        return hash;
    }

    Json dispatch(const std::string& method, const Json& params, const std::string& signer) {
        auto first = [&]() -> const Json& {
            if (!params.is_array() || params.empty()) throw RpcFailure{-32602, method + ": params must be [object]"};
            return params[0];
        };
        if (method == "eth_sendPrivateTransaction") {
            const Json& p = first();
            if (!p.is_object() || !p.contains("tx") || !p["tx"].is_string())
                throw RpcFailure{-32602, "eth_sendPrivateTransaction: missing tx"};
            std::optional<std::uint64_t> max_block;
            if (p.contains("maxBlockNumber")) max_block = parse_quantity(p["maxBlockNumber"]);
            return accept_private(p["tx"].get<std::string>(), max_block, signer);
        }
        if (method == "eth_sendRawTransaction") {  // protect-style: private, default window
            if (!params.is_array() || params.empty() || !params[0].is_string())
                throw RpcFailure{-32602, "eth_sendRawTransaction: params must be [raw]"};
            return accept_private(params[0].get<std::string>(), std::nullopt, signer);
        }
        if (method == "eth_cancelPrivateTransaction") {
            const Json& p = first();
            if (!p.is_object() || !p.contains("txHash")) throw RpcFailure{-32602, "missing txHash"};
            std::lock_guard lock(mutex);
            auto it = txs.find(lower(p["txHash"].get<std::string>()));
            if (it == txs.end() || it->second.status != PrivateStatus::kPending || it->second.signer != signer)
                return false;
            it->second.status = PrivateStatus::kCancelled;
            return true;
        }
        if (method == "eth_sendBundle") {
            const Json& p = first();
            if (!p.is_object() || !p.contains("txs") || !p["txs"].is_array() || p["txs"].empty() ||
                !p.contains("blockNumber"))
                throw RpcFailure{-32602, "eth_sendBundle: needs txs and blockNumber"};
            Bundle b;
            b.block = parse_quantity(p["blockNumber"]);
            for (const Json& t : p["txs"]) {
                (void)hash_of(t.get<std::string>());
                b.txs.push_back(t.get<std::string>());
            }
            if (p.contains("replacementUuid")) b.uuid = p["replacementUuid"].get<std::string>();
            b.signer = signer;
            if (options.chain && b.block <= head()) throw RpcFailure{-32602, "blockNumber is in the past"};
            std::string joined;
            for (const auto& t : b.txs) joined += t;
            std::lock_guard lock(mutex);
            // Same uuid and block: the new bundle replaces the old one.
            std::erase_if(bundles, [&](const Bundle& o) {
                return !b.uuid.empty() && o.uuid == b.uuid && o.block == b.block && o.signer == signer;
            });
            bundles.push_back(b);
            ++stats.bundles_accepted;
            Json r = Json::object();
            r["bundleHash"] = lower(to_hex(keccak256(joined + quantity(b.block))));
            return r;
        }
        if (method == "eth_cancelBundle") {
            const Json& p = first();
            if (!p.is_object() || !p.contains("replacementUuid")) throw RpcFailure{-32602, "missing replacementUuid"};
            const auto uuid = p["replacementUuid"].get<std::string>();
            std::lock_guard lock(mutex);
            for (auto& b : bundles)
                if (b.uuid == uuid && b.signer == signer) b.cancelled = true;
            return nullptr;
        }
        if (method == "eth_callBundle") {
            const Json& p = first();
            if (!p.is_object() || !p.contains("txs")) throw RpcFailure{-32602, "eth_callBundle: needs txs"};
            Json results = Json::array();
            for (const Json& t : p["txs"]) {
                auto raw = from_hex(t.get<std::string>(), HexPrefix::kRequired);
                if (!raw) throw RpcFailure{-32602, "eth_callBundle: transaction is not 0x-hex"};
                auto tx = SignedTransaction::decode(*raw);
                if (!tx) throw RpcFailure{-32602, "eth_callBundle: undecodable transaction"};
                auto from = tx->recover_sender();
                Json call = Json::object();
                call["from"] = from ? to_hex(from->view()) : "0x";
                if (tx->to) call["to"] = to_hex(tx->to->view());
                call["data"] = to_hex(tx->data);
                call["gas"] = quantity(tx->gas_limit);
                Json res = Json::object();
                res["txHash"] = lower(to_hex(tx->hash()));
                const Json reply = Json::parse(options.chain("eth_call", Json::array({call, "latest"}).dump()));
                if (reply.contains("error")) {
                    res["error"] = "execution reverted";
                    res["revert"] = reply["error"].value("data", Json("0x"));
                } else {
                    res["value"] = reply["result"];
                }
                results.push_back(res);
            }
            Json r = Json::object();
            r["results"] = results;
            r["stateBlockNumber"] = head();
            return r;
        }
        throw RpcFailure{-32601, "method not found: " + method};
    }

    http::response<http::string_body> handle(const http::request<http::string_body>& req) {
        http::response<http::string_body> res;
        res.version(req.version());
        res.set(http::field::content_type, "application/json");
        if (req.method() == http::verb::get) {
            const std::string target(req.target());
            Json body = Json::object();
            if (target.rfind("/tx/", 0) != 0) {
                res.result(http::status::not_found);
                res.body() = R"({"error":"not found"})";
                return res;
            }
            const std::string hash = lower(target.substr(4));
            std::lock_guard lock(mutex);
            auto it = txs.find(hash);
            body["hash"] = hash;
            if (it == txs.end()) {
                body["status"] = "UNKNOWN";
            } else {
                static constexpr const char* kNames[] = {"PENDING", "INCLUDED", "FAILED", "CANCELLED"};
                body["status"] = kNames[static_cast<int>(it->second.status)];
                body["maxBlockNumber"] = it->second.max_block;
            }
            res.result(http::status::ok);
            res.body() = body.dump();
            return res;
        }
        Json id = nullptr;
        try {
            const Json request = Json::parse(req.body());
            id = request.value("id", Json(nullptr));
            const std::string method = request.at("method").get<std::string>();
            const auto header = req["X-Flashbots-Signature"];
            {
                std::lock_guard lock(mutex);
                ++stats.requests;
                received.push_back({method, req.body(), std::string(header.data(), header.size())});
            }
            std::string signer;
            const bool needs_sig = options.require_signature && method != "eth_sendRawTransaction";
            if (needs_sig || !header.empty()) {
                const std::string why = check_signature(std::string_view(header.data(), header.size()), req.body(), signer);
                if (!why.empty()) {
                    std::lock_guard lock(mutex);
                    ++stats.rejected_auth;
                    throw RpcFailure{-32600, why, 403};
                }
                std::lock_guard lock(mutex);
                stats.last_signer = signer;
            }
            Json result = dispatch(method, request.value("params", Json::array()), signer);
            res.result(http::status::ok);
            res.body() = Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}}.dump();
        } catch (const RpcFailure& f) {
            res.result(static_cast<http::status>(f.http_status));
            res.body() =
                Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", f.code}, {"message", f.message}}}}.dump();
        } catch (const std::exception& e) {
            res.result(http::status::bad_request);
            res.body() =
                Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", -32700}, {"message", e.what()}}}}.dump();
        }
        return res;
    }

    asio::awaitable<void> session(tcp::socket socket) {
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            boost::system::error_code ec;
            co_await http::async_read(socket, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            auto res = handle(req);
            const bool keep = req.keep_alive();
            res.keep_alive(keep);
            res.prepare_payload();
            co_await http::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
            if (ec || !keep) co_return;
        }
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            boost::system::error_code ec;
            tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            asio::co_spawn(ioc, session(std::move(socket)), asio::detached);
        }
    }

    std::uint64_t mine() {
        std::lock_guard gate(options.gate->mutex);
        // One block, as a builder makes it: with anvil's automine on, every eth_sendRawTransaction
        // would mine a block of its own (and evm_mine another, empty one). Automine is paused
        // while the block is built and restored after it.
        const bool automine = chain("anvil_getAutomine", Json::array()).get<bool>();
        if (automine) (void)chain("evm_setAutomine", Json::array({false}));
        struct RestoreAutomine {
            const Impl& impl;
            bool on;
            ~RestoreAutomine() {
                if (!on) return;
                try {
                    (void)impl.chain("evm_setAutomine", Json::array({true}));
                } catch (...) {  // the chain is gone: nothing to restore
                }
            }
        } restore{*this, automine};
        const std::uint64_t n = head() + 1;
        std::vector<std::pair<std::string, std::string>> inject;  // hash, raw
        {
            std::lock_guard lock(mutex);
            for (auto& [hash, tx] : txs)
                if (tx.status == PrivateStatus::kPending && tx.max_block >= n) inject.emplace_back(hash, tx.raw);
            for (const auto& b : bundles)
                if (!b.cancelled && b.block == n)
                    for (const auto& raw : b.txs) inject.emplace_back(hash_of(raw), raw);
        }
        std::vector<std::string> sent;
        for (const auto& [hash, raw] : inject) {
            if (std::find(sent.begin(), sent.end(), hash) != sent.end()) continue;
            const Json reply = Json::parse(options.chain("eth_sendRawTransaction", Json::array({raw}).dump()));
            if (!reply.contains("error")) sent.push_back(hash);  // nonce too low etc.: it cannot land
        }
        (void)chain("evm_mine", Json::array());
        std::lock_guard lock(mutex);
        stats.injected += sent.size();
        for (const auto& hash : sent) {
            const Json receipt = chain("eth_getTransactionReceipt", Json::array({hash}));
            const bool landed = receipt.is_object() && parse_quantity(receipt["blockNumber"]) == n;
            auto it = txs.find(hash);
            if (landed) {
                if (it != txs.end()) {
                    it->second.status = PrivateStatus::kIncluded;
                    it->second.included_block = n;
                }
            } else {
                (void)chain("anvil_dropTransaction", Json::array({hash}));  // never left in the public pool
            }
        }
        for (auto& [hash, tx] : txs)
            if (tx.status == PrivateStatus::kPending && tx.max_block <= n) tx.status = PrivateStatus::kFailed;
        std::erase_if(bundles, [&](const Bundle& b) { return b.block <= n; });
        return n;
    }
};

LocalRelay::LocalRelay(RelayOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen();
    port_ = impl_->acceptor.local_endpoint().port();
    asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
    for (int i = 0; i < 2; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

LocalRelay::~LocalRelay() {
    impl_->ioc.stop();
    for (auto& t : impl_->threads) t.join();
}

std::string LocalRelay::url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
std::string LocalRelay::status_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/tx/"; }

std::uint64_t LocalRelay::mine() { return impl_->mine(); }

std::optional<PrivateStatus> LocalRelay::status(const std::string& tx_hash) const {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->txs.find(lower(tx_hash));
    if (it == impl_->txs.end()) return std::nullopt;
    return it->second.status;
}

std::size_t LocalRelay::held() const {
    std::lock_guard lock(impl_->mutex);
    return static_cast<std::size_t>(std::count_if(impl_->txs.begin(), impl_->txs.end(), [](const auto& kv) {
        return kv.second.status == PrivateStatus::kPending;
    }));
}

RelayStats LocalRelay::stats() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->stats;
}

std::vector<LocalRelay::Received> LocalRelay::received() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->received;
}

}  // namespace keeper::test
