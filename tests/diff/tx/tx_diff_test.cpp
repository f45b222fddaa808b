// Transactions against cast: random legacy, EIP-2930 and EIP-1559 transactions signed by both
// (cast mktx --private-key, test keys only) and compared byte for byte; cast decode-transaction
// compared field by field with our decoder; and the EIP-155 example through cast.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/tx/json.hpp"
#include "keeper/tx/transaction.hpp"
#include "support/process.hpp"

using namespace keeper;
using test::cast_all;
using test::trimmed;

namespace {

struct Case {
    UnsignedTransaction tx;
    Bytes key;
};

class Generator {
public:
    explicit Generator(std::uint64_t seed) : rng_(seed) {}

    std::uint64_t below(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_); }

    U256 bits(unsigned max_bits) {
        U256 v = 0;
        for (int i = 0; i < 4; ++i) v = (v << 64) | rng_();
        const unsigned keep = static_cast<unsigned>(below(max_bits + 1));
        return keep == 0 ? U256(0) : (v >> (256 - keep));
    }

    Bytes bytes(std::size_t max_len) {
        Bytes b(below(max_len + 1));
        for (auto& x : b) x = static_cast<std::uint8_t>(rng_());
        return b;
    }

    template <std::size_t N>
    FixedBytes<N> fixed() {
        FixedBytes<N> f;
        for (auto& x : f.bytes) x = static_cast<std::uint8_t>(rng_());
        return f;
    }

    Case next(TransactionType type) {
        Case c;
        UnsignedTransaction& tx = c.tx;
        tx.type = type;
        static constexpr std::uint64_t kChains[] = {1, 5, 10, 137, 8453, 31337, 11155111, 4294967295};
        tx.chain_id = below(4) == 0 ? 1 + below(1'000'000'000) : kChains[below(std::size(kChains))];
        tx.nonce = below(3) == 0 ? rng_() : below(1000);
        tx.gas_limit = below(4) == 0 ? rng_() : 21000 + below(30'000'000);
        // cast parses fees as u128.
        if (type == TransactionType::kDynamicFee) {
            tx.max_fee_per_gas = bits(127);
            tx.max_priority_fee_per_gas = below(4) == 0 ? tx.max_fee_per_gas : tx.max_fee_per_gas / (1 + below(100));
        } else {
            tx.gas_price = bits(127);
        }
        tx.value = bits(255);
        if (below(5) == 0) {
            tx.data = bytes(80);  // contract creation: init code
            if (tx.data.empty()) tx.data.push_back(0x60);
        } else {
            tx.to = Address{fixed<20>()};
            tx.data = bytes(below(3) == 0 ? 300 : 40);
        }
        if (type != TransactionType::kLegacy && below(2) == 0) {
            const std::size_t entries = 1 + below(3);
            for (std::size_t i = 0; i < entries; ++i) {
                AccessListEntry e{Address{fixed<20>()}, {}};
                const std::size_t keys = below(4);
                for (std::size_t k = 0; k < keys; ++k) e.storage_keys.push_back(Hash32{fixed<32>()});
                tx.access_list.push_back(std::move(e));
            }
        }
        // A test key from the seeded generator, so a failing case reproduces.
        do {
            c.key = Bytes(32);
            for (auto& x : c.key) x = static_cast<std::uint8_t>(rng_());
        } while (!SecretKey::from_bytes(c.key).has_value());
        return c;
    }

private:
    std::mt19937_64 rng_;
};

}  // namespace

namespace {

std::string access_list_json(const AccessList& list) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& e : list) {
        nlohmann::json keys = nlohmann::json::array();
        for (const auto& k : e.storage_keys) keys.push_back(to_hex(k));
        j.push_back({{"address", to_hex(e.account)}, {"storageKeys", keys}});
    }
    return j.dump();
}

/// The cast mktx command line for the same transaction.
std::vector<std::string> mktx_args(const Case& c) {
    const UnsignedTransaction& tx = c.tx;
    std::vector<std::string> a = {"mktx",
                                  "--private-key",
                                  to_hex(c.key),
                                  "--chain",
                                  std::to_string(*tx.chain_id),
                                  "--nonce",
                                  std::to_string(tx.nonce),
                                  "--gas-limit",
                                  std::to_string(tx.gas_limit),
                                  "--value",
                                  to_dec(tx.value)};
    switch (tx.type) {
        case TransactionType::kLegacy:
            a.insert(a.end(), {"--legacy", "--gas-price", to_dec(tx.gas_price)});
            break;
        case TransactionType::kAccessList:
            a.insert(a.end(), {"--legacy", "--gas-price", to_dec(tx.gas_price), "--access-list",
                               access_list_json(tx.access_list)});
            break;
        case TransactionType::kDynamicFee:
            a.insert(a.end(), {"--gas-price", to_dec(tx.max_fee_per_gas), "--priority-gas-price",
                               to_dec(tx.max_priority_fee_per_gas)});
            if (!tx.access_list.empty()) a.insert(a.end(), {"--access-list", access_list_json(tx.access_list)});
            break;
    }
    if (tx.to) {
        a.push_back(to_hex(*tx.to));
        if (!tx.data.empty()) a.push_back(to_hex(tx.data));
    } else {
        a.insert(a.end(), {"--create", to_hex(tx.data)});
    }
    return a;
}

/// cast decode-transaction prints its JSON as a JSON string; unwrap it.
nlohmann::json parse_cast_json(const std::string& out) {
    auto j = nlohmann::json::parse(out);
    if (j.is_string()) j = nlohmann::json::parse(j.get<std::string>());
    return j;
}

}  // namespace

TEST_CASE("random transactions of all three types: ours and cast sign, encode and decode identically") {
    Generator gen(1559);
    std::vector<Case> cases;
    for (int i = 0; i < 35; ++i)
        for (const auto type : {TransactionType::kLegacy, TransactionType::kAccessList, TransactionType::kDynamicFee})
            cases.push_back(gen.next(type));

    std::vector<std::vector<std::string>> mktx;
    for (const auto& c : cases) mktx.push_back(mktx_args(c));
    const auto cast_signed = cast_all(mktx);

    std::vector<Bytes> ours;
    std::vector<std::vector<std::string>> decode;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto key = SecretKey::from_bytes(cases[i].key);
        REQUIRE(key.has_value());
        const auto signed_tx = sign(cases[i].tx, *key);
        REQUIRE(signed_tx.has_value());
        ours.push_back(signed_tx->encode());
        decode.push_back({"decode-transaction", to_hex(ours.back())});

        CAPTURE(i, static_cast<int>(cases[i].tx.type));
        REQUIRE(cast_signed[i].exit_code == 0);
        CHECK(trimmed(cast_signed[i].out) == to_hex(ours.back()));

        // Our own decoder: the exact transaction back, the same bytes, the signer.
        const auto decoded = SignedTransaction::decode(ours.back());
        REQUIRE(decoded.has_value());
        CHECK(*decoded == *signed_tx);
        CHECK(decoded->encode() == ours.back());
        CHECK(*decoded->recover_sender() == address_of(*key));
    }

    const auto cast_decoded = cast_all(decode);
    for (std::size_t i = 0; i < cases.size(); ++i) {
        CAPTURE(i, to_hex(ours[i]));
        REQUIRE(cast_decoded[i].exit_code == 0);
        const auto theirs = parse_cast_json(cast_decoded[i].out);
        const nlohmann::json mine = to_json(*SignedTransaction::decode(ours[i]));
        CHECK(mine == theirs);
    }
}

TEST_CASE("the EIP-155 example through cast mktx and decode-transaction") {
    Case c;
    c.key = *from_hex("0x4646464646464646464646464646464646464646464646464646464646464646");
    c.tx.type = TransactionType::kLegacy;
    c.tx.chain_id = 1;
    c.tx.nonce = 9;
    c.tx.gas_price = 20'000'000'000ULL;
    c.tx.gas_limit = 21000;
    c.tx.to = "0x3535353535353535353535353535353535353535"_address;
    c.tx.value = 1'000'000'000'000'000'000ULL;
    const auto raw = sign(c.tx, *SecretKey::from_bytes(c.key))->encode();
    const auto args = mktx_args(c);
    CHECK(test::cast(args) == to_hex(raw));
    CHECK(parse_cast_json(test::cast({"decode-transaction", to_hex(raw)})) ==
          nlohmann::json(to_json(*SignedTransaction::decode(raw))));
}
