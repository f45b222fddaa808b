#include "keeper/demo/chain.hpp"

#include <utility>  // before Asio (Boost 1.74)

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "keeper/abi/codec.hpp"
#include "keeper/abi/revert.hpp"
#include "keeper/abi/signature.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/demo/process.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/tx/transaction.hpp"

namespace keeper::demo {

namespace asio = boost::asio;

namespace {

// Anvil's default dev keys (mnemonic "test test ... junk", m/44'/60'/0'/0/i): public test
// keys, worthless on any real chain, and the only keys the demo signs with itself.
constexpr std::string_view kDevKeys[] = {
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
};

struct Fd {
    int fd;
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

abi::Function parse_fn(std::string_view signature) {
    auto f = abi::parse_function(signature);
    if (!f) throw DemoError("bad function signature '" + std::string(signature) + "': " + f.error().message);
    return std::move(*f);
}

}  // namespace

Account dev_account(unsigned index, std::string label) {
    if (index >= std::size(kDevKeys)) throw DemoError("no dev account " + std::to_string(index));
    auto bytes = from_hex(kDevKeys[index]);
    auto key = SecretKey::from_bytes(*bytes);
    if (!key) throw DemoError("dev key " + std::to_string(index) + " is invalid");
    const Address address = address_of(*key);
    return Account{std::move(label), address, std::move(*key), std::nullopt};
}

Bytes calldata(std::string_view signature, const std::vector<abi::Value>& args) {
    const auto f = parse_fn(signature);
    auto data = abi::encode_call(f, args);
    if (!data) throw DemoError("encoding " + f.signature() + ": " + data.error().message);
    return std::move(*data);
}

std::vector<abi::Value> decode_outputs(std::string_view signature, ByteView data) {
    const auto f = parse_fn(signature);
    auto out = abi::decode_output(f, data);
    if (!out) throw DemoError("decoding the result of " + f.signature() + ": " + out.error().message);
    return std::move(*out);
}

U256 as_u256(const abi::Value& v, std::string_view what) {
    if (const auto* p = v.get_if<U256>()) return *p;
    throw DemoError(std::string(what) + ": expected an unsigned integer");
}
I256 as_i256(const abi::Value& v, std::string_view what) {
    if (const auto* p = v.get_if<I256>()) return *p;
    throw DemoError(std::string(what) + ": expected a signed integer");
}
bool as_bool(const abi::Value& v, std::string_view what) {
    if (const auto* p = v.get_if<bool>()) return *p;
    throw DemoError(std::string(what) + ": expected a bool");
}
Address as_address(const abi::Value& v, std::string_view what) {
    if (const auto* p = v.get_if<Address>()) return *p;
    throw DemoError(std::string(what) + ": expected an address");
}

struct Chain::Impl {
    asio::io_context io;
    std::unique_ptr<rpc::EndpointPool> pool;

    // Runs one of the pool's coroutines to completion on this thread.
    template <class T>
    T run(asio::awaitable<T> task) {
        std::optional<T> out;
        asio::co_spawn(
            io, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(task)); },
            [](const std::exception_ptr& e) {
                if (e) std::rethrow_exception(e);
            });
        io.restart();
        io.run();
        if (!out) throw DemoError("JSON-RPC call did not complete");
        return std::move(*out);
    }
};

Chain::Chain(const std::string& url, std::uint64_t chain_id, std::chrono::milliseconds ready_within,
             std::shared_ptr<const abi::Abi> errors_abi)
    : impl_(std::make_unique<Impl>()), chain_id_(chain_id), errors_abi_(std::move(errors_abi)) {
    rpc::RpcSettings settings;
    settings.http.connect_timeout = std::chrono::milliseconds(1000);
    settings.http.request_timeout = std::chrono::milliseconds(20'000);
    settings.http.connections_per_endpoint = 1;
    settings.retry.max_attempts = 3;
    settings.retry.initial_backoff = std::chrono::milliseconds(50);
    settings.retry.max_backoff = std::chrono::milliseconds(500);
    impl_->pool = std::make_unique<rpc::EndpointPool>(impl_->io.get_executor(), chain_id,
                                                      std::vector<rpc::EndpointConfig>{{"anvil", url}}, settings);
    const auto deadline = std::chrono::steady_clock::now() + ready_within;
    while (true) {
        auto started = impl_->run(impl_->pool->start());
        if (started) break;
        if (started.error().code == rpc::Errc::kChainIdMismatch)
            throw DemoError("the node at the demo's port serves another chain: " + started.error().describe());
        if (std::chrono::steady_clock::now() > deadline || stop_requested())
            throw DemoError("the node did not answer: " + started.error().describe());
        // start() leaves an unreachable endpoint unverified: make a fresh pool and try again.
        impl_->pool->stop();
        impl_->pool = std::make_unique<rpc::EndpointPool>(impl_->io.get_executor(), chain_id,
                                                          std::vector<rpc::EndpointConfig>{{"anvil", url}}, settings);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

Chain::~Chain() {
    if (impl_ && impl_->pool) impl_->pool->stop();
}

std::string Chain::describe_revert(const rpc::RpcError& e) const {
    const auto data = e.revert_data();
    if (!data) return e.describe();
    auto reason = abi::decode_revert(*data, errors_abi_.get());
    if (!reason) return e.describe();
    return "reverted: " + abi::describe(*reason);
}

rpc::Json Chain::request(const std::string& method, rpc::Json params) {
    auto r = impl_->run(impl_->pool->call(rpc::Call{method, std::move(params)}));
    if (!r) {
        const auto& err = r.error();
        throw DemoError(method + ": " + (err.rpc ? describe_revert(*err.rpc) : err.describe()));
    }
    return std::move(*r);
}

std::uint64_t Chain::block_number() {
    auto n = rpc::decode_u64(request("eth_blockNumber"), "result");
    if (!n) throw DemoError("eth_blockNumber: " + n.error().message);
    return *n;
}

rpc::BlockHeader Chain::block(const rpc::BlockRef& ref) {
    const auto j = request("eth_getBlockByNumber", rpc::Json::array({rpc::to_json(ref), false}));
    auto h = rpc::decode_block_header(j);
    if (!h) throw DemoError("eth_getBlockByNumber: " + h.error().message);
    return *h;
}

Bytes Chain::call(const Address& to, ByteView data, const rpc::BlockRef& block) {
    rpc::CallRequest req;
    req.to = to;
    req.data.assign(data.begin(), data.end());
    const auto j = request("eth_call", rpc::Json::array({rpc::to_json(req), rpc::to_json(block)}));
    auto out = rpc::decode_data(j, "result");
    if (!out) throw DemoError("eth_call: " + out.error().message);
    return std::move(*out);
}

std::vector<abi::Value> Chain::call_fn(const Address& to, std::string_view signature,
                                       const std::vector<abi::Value>& args, const rpc::BlockRef& block) {
    try {
        return decode_outputs(signature, call(to, calldata(signature, args), block));
    } catch (const DemoError& e) {
        throw DemoError(std::string(signature.substr(0, signature.find('('))) + " on " + to_checksum(to) + ": " +
                        e.what());
    }
}

std::uint64_t Chain::nonce(const Address& a, const rpc::BlockRef& block) {
    auto n = rpc::decode_u64(request("eth_getTransactionCount", rpc::Json::array({to_checksum(a), rpc::to_json(block)})),
                             "result");
    if (!n) throw DemoError("eth_getTransactionCount: " + n.error().message);
    return *n;
}

Hash32 Chain::send(Account& from, const Address& to, Bytes data, const SendOptions& options) {
    if (!from.next_nonce) from.next_nonce = nonce(from.address, rpc::BlockTag::kPending);
    UnsignedTransaction tx;
    tx.type = TransactionType::kDynamicFee;
    tx.chain_id = chain_id_;
    tx.nonce = *from.next_nonce;
    tx.to = to;
    tx.data = std::move(data);
    if (options.gas_limit) {
        tx.gas_limit = *options.gas_limit;
    } else {
        rpc::CallRequest req;
        req.from = from.address;
        req.to = to;
        req.data = tx.data;
        const auto j = request("eth_estimateGas",
                               rpc::Json::array({rpc::to_json(req), rpc::to_json(rpc::BlockTag::kPending)}));
        auto gas = rpc::decode_u64(j, "result");
        if (!gas) throw DemoError("eth_estimateGas: " + gas.error().message);
        tx.gas_limit = *gas + *gas * 3 / 10;
    }
    const auto head = block(rpc::BlockTag::kLatest);
    const U256 base = head.base_fee_per_gas.value_or(U256(1'000'000'000));
    tx.max_priority_fee_per_gas = options.max_priority_fee;
    tx.max_fee_per_gas = base * 2 + options.max_priority_fee;
    auto signed_tx = sign(tx, from.key);
    if (!signed_tx) throw DemoError("signing a transaction of " + from.label + " failed");
    const auto raw = signed_tx->encode();
    const auto j = request("eth_sendRawTransaction", rpc::Json::array({to_hex(raw)}));
    auto hash = rpc::decode_hash(j, "result");
    if (!hash) throw DemoError("eth_sendRawTransaction: " + hash.error().message);
    ++*from.next_nonce;
    return *hash;
}

rpc::Receipt Chain::receipt(const Hash32& tx, std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (true) {
        const auto j = request("eth_getTransactionReceipt", rpc::Json::array({to_hex(tx)}));
        auto r = rpc::decode_nullable(j, "result", [](const rpc::Json& v, std::string_view p) {
            return rpc::decode_receipt(v, p);
        });
        if (!r) throw DemoError("eth_getTransactionReceipt: " + r.error().message);
        if (*r) return std::move(**r);
        if (std::chrono::steady_clock::now() > deadline || stop_requested())
            throw DemoError("no receipt for transaction " + to_hex(tx));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

rpc::Receipt Chain::transact(Account& from, const Address& to, Bytes data, std::string_view what,
                             const SendOptions& options) {
    Hash32 hash;
    try {
        hash = send(from, to, std::move(data), options);
    } catch (const DemoError& e) {
        throw DemoError(std::string(what) + ": " + e.what());
    }
    auto r = receipt(hash);
    if (!r.status) throw DemoError(std::string(what) + ": transaction " + to_hex(hash) + " reverted");
    return r;
}

std::vector<rpc::Log> Chain::logs(const Address& address, const Hash32& topic0, std::uint64_t from, std::uint64_t to) {
    rpc::Json filter = {{"address", to_checksum(address)},
                        {"topics", rpc::Json::array({to_hex(topic0)})},
                        {"fromBlock", rpc::to_quantity(from)},
                        {"toBlock", rpc::to_quantity(to)}};
    const auto j = request("eth_getLogs", rpc::Json::array({filter}));
    if (!j.is_array()) throw DemoError("eth_getLogs: result is not an array");
    std::vector<rpc::Log> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        auto log = rpc::decode_log(j[i], "result[" + std::to_string(i) + "]");
        if (!log) throw DemoError("eth_getLogs: " + log.error().message);
        out.push_back(std::move(*log));
    }
    return out;
}

void Chain::set_automine(bool on) { request("evm_setAutomine", rpc::Json::array({on})); }

std::uint64_t Chain::mine(std::uint64_t timestamp) {
    request("evm_setNextBlockTimestamp", rpc::Json::array({rpc::to_quantity(timestamp)}));
    request("evm_mine");
    return block_number();
}

std::size_t Chain::pending_count() {
    const auto j = request("txpool_status");
    auto n = rpc::decode_u64(j.contains("pending") ? j["pending"] : rpc::Json(), "result.pending");
    if (!n) throw DemoError("txpool_status: " + n.error().message);
    return static_cast<std::size_t>(*n);
}

bool wait_for_port(std::uint16_t port, std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline && !stop_requested()) {
        Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        auto addr = loopback(port);
        if (s.fd >= 0 && ::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return true;  // NOLINT
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

std::uint16_t free_loopback_port() {
    Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto addr = loopback(0);
    if (s.fd < 0 || ::bind(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)  // NOLINT
        throw DemoError("cannot find a free loopback port");
    socklen_t len = sizeof addr;
    ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&addr), &len);  // NOLINT
    return ntohs(addr.sin_port);
}

std::optional<std::string> http_get(std::uint16_t port, const std::string& path) {
    Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (s.fd < 0) return std::nullopt;
    timeval tv{2, 0};
    ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    auto addr = loopback(port);
    if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return std::nullopt;  // NOLINT
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(s.fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return std::nullopt;
    std::string response;
    char buf[4096];
    while (response.size() < (8u << 20)) {
        const auto n = ::recv(s.fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        response.append(buf, static_cast<std::size_t>(n));
    }
    const auto end = response.find("\r\n\r\n");
    if (end == std::string::npos || !response.starts_with("HTTP/1.1 200")) return std::nullopt;
    return response.substr(end + 4);
}

}  // namespace keeper::demo
