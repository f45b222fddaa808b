// Transaction subcommands, following cast's arguments and output:
//   mktx       build and sign a transaction offline, print the raw signed bytes (cast mktx);
//   decode-tx  decode a raw signed transaction to JSON (cast decode-transaction).
#include <algorithm>
#include <array>
#include <cctype>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "keeper/abi/codec.hpp"
#include "keeper/abi/signature.hpp"
#include "keeper/abi/value.hpp"
#include "keeper/cli/command.hpp"
#include "keeper/cli/key_source.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/tx/json.hpp"
#include "keeper/tx/transaction.hpp"

namespace keeper::cli {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string message(std::string_view a, std::string_view b) {
    std::string out;
    out.reserve(a.size() + b.size());
    out.append(a);
    out.append(b);
    return out;
}

/// An amount of wei as cast reads it: "1000", "0x3e8", or a decimal with a unit
/// ("10gwei", "0.01 ether", "5wei"). A fraction must come out as whole wei.
U256 parse_amount(std::string_view text, std::string_view what) {
    std::string t = lower(text);
    t.erase(std::remove_if(t.begin(), t.end(), [](unsigned char c) { return std::isspace(c) != 0; }), t.end());
    if (t.starts_with("0x")) {
        const auto n = parse_u256(t);
        if (!n) throw UsageError(what, to_string(n.error()));
        return *n;
    }
    struct Unit {
        std::string_view name;
        unsigned decimals;
    };
    static constexpr std::array<Unit, 4> kUnits{{{"ether", 18}, {"gwei", 9}, {"wei", 0}, {"eth", 18}}};
    unsigned decimals = 0;
    for (const auto& u : kUnits) {
        if (t.size() > u.name.size() && t.ends_with(u.name)) {
            decimals = u.decimals;
            t.resize(t.size() - u.name.size());
            break;
        }
    }
    std::string digits = t;
    const auto dot = t.find('.');
    if (dot != std::string::npos) {
        std::string frac = t.substr(dot + 1);
        while (!frac.empty() && frac.back() == '0') frac.pop_back();
        if (frac.size() > decimals) throw UsageError(what, message("not a whole number of wei: ", text));
        digits = t.substr(0, dot) + frac + std::string(decimals - frac.size(), '0');
    } else {
        digits += std::string(decimals, '0');
    }
    if (digits.empty()) throw UsageError(what, message("not an amount: ", text));
    const auto n = parse_u256(digits);
    if (!n) throw UsageError(what, message("not an amount (e.g. 1000, 0x3e8, 10gwei, 0.5ether): ", text));
    return *n;
}

std::uint64_t parse_u64(std::string_view text, std::string_view what) {
    const auto n = parse_u256(text);
    if (!n || *n > std::numeric_limits<std::uint64_t>::max())
        throw UsageError(what, message("expected an integer below 2^64, got: ", text));
    return static_cast<std::uint64_t>(*n);
}

/// cast's --chain: an EIP-155 chain id or one of the common names.
std::uint64_t parse_chain(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 9> kNames{{
        {"mainnet", 1},
        {"ethereum", 1},
        {"sepolia", 11155111},
        {"holesky", 17000},
        {"optimism", 10},
        {"arbitrum", 42161},
        {"base", 8453},
        {"polygon", 137},
        {"anvil", 31337},
    }};
    const std::string t = lower(text);
    for (const auto& [name, id] : kNames)
        if (t == name) return id;
    return parse_u64(text, "--chain");
}

Address parse_address_arg(std::string_view text, std::string_view what) {
    const auto a = parse_address(text);
    if (!a) throw UsageError(what, message(to_string(a.error()), message(": ", text)));
    return *a;
}

Bytes parse_hex_arg(std::string_view text, std::string_view what) {
    const auto b = from_hex(text);
    if (!b) throw UsageError(what, message("not valid hex: ", to_string(b.error())));
    return *b;
}

/// [{"address": "0x..", "storageKeys": ["0x..", ...]}, ...] as cast and JSON-RPC write it.
AccessList parse_access_list(const std::string& text) {
    constexpr std::string_view kWhat = "--access-list";
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_array())
        throw UsageError(kWhat, R"(expected JSON [{"address":"0x..","storageKeys":["0x.."]}])");
    AccessList list;
    for (const auto& e : j) {
        if (!e.is_object() || !e.contains("address") || !e["address"].is_string())
            throw UsageError(kWhat, "each entry needs an \"address\" string");
        AccessListEntry entry;
        entry.account = parse_address_arg(e["address"].get<std::string>(), kWhat);
        if (e.contains("storageKeys")) {
            if (!e["storageKeys"].is_array()) throw UsageError(kWhat, "\"storageKeys\" must be an array");
            for (const auto& k : e["storageKeys"]) {
                if (!k.is_string()) throw UsageError(kWhat, "storage keys must be hex strings");
                const auto key = fixed_from_hex<Hash32>(k.get<std::string>());
                if (!key)
                    throw UsageError(kWhat, message("storage keys must be 32 bytes of hex: ", k.get<std::string>()));
                entry.storage_keys.push_back(*key);
            }
        }
        list.push_back(std::move(entry));
    }
    return list;
}

/// Calldata from cast's [SIG] [ARGS...]: raw hex, or a function signature and its arguments.
/// With `constructor`, SIG names the constructor's parameters and no selector is prepended.
Bytes encode_call_data(const std::vector<std::string>& sig_and_args, bool constructor) {
    if (sig_and_args.empty()) return {};
    const std::string& sig = sig_and_args.front();
    const std::vector<std::string> args(sig_and_args.begin() + 1, sig_and_args.end());
    if (sig.starts_with("0x") || sig.starts_with("0X")) {
        if (!args.empty()) throw UsageError("sig", "raw hex calldata takes no further arguments");
        return parse_hex_arg(sig, "sig");
    }
    auto function = abi::parse_function(sig);
    if (!function) throw UsageError("sig", function.error().message);
    const auto types = abi::types_of(function->inputs);
    auto values = abi::parse_values(types, args);
    if (!values) throw UsageError("args", values.error().message);
    auto data = constructor ? abi::encode(types, *values) : abi::encode_call(*function, *values);
    if (!data) throw UsageError("args", data.error().message);
    return std::move(*data);
}

struct MktxOptions {
    std::vector<std::string> positionals;  // [TO] [SIG] [ARGS...], or [SIG] [ARGS...] with --create
    std::string create;
    std::string data;
    std::string chain;
    std::string nonce;
    std::string gas_limit;
    std::string gas_price;
    std::string priority_gas_price;
    std::string value{"0"};
    std::string access_list;
    bool legacy{false};
    KeySourceOptions key;
};

UnsignedTransaction build_transaction(const MktxOptions& o, CLI::App* cmd) {
    UnsignedTransaction tx;
    const bool has_access_list = cmd->count("--access-list") > 0;
    if (o.legacy) {
        tx.type = has_access_list ? TransactionType::kAccessList : TransactionType::kLegacy;
    } else {
        tx.type = TransactionType::kDynamicFee;
    }
    tx.chain_id = parse_chain(o.chain);
    tx.nonce = parse_u64(o.nonce, "--nonce");
    tx.gas_limit = parse_u64(o.gas_limit, "--gas-limit");
    tx.value = parse_amount(o.value, "--value");
    if (tx.type == TransactionType::kDynamicFee) {
        if (cmd->count("--priority-gas-price") == 0)
            throw UsageError("--priority-gas-price", "required for EIP-1559 transactions (or pass --legacy)");
        tx.max_fee_per_gas = parse_amount(o.gas_price, "--gas-price");
        tx.max_priority_fee_per_gas = parse_amount(o.priority_gas_price, "--priority-gas-price");
        if (tx.max_priority_fee_per_gas > tx.max_fee_per_gas)
            throw UsageError("--priority-gas-price", "exceeds the max fee per gas (--gas-price)");
    } else {
        if (cmd->count("--priority-gas-price") > 0)
            throw UsageError("--priority-gas-price", "only for EIP-1559 transactions (drop --legacy)");
        tx.gas_price = parse_amount(o.gas_price, "--gas-price");
    }
    if (has_access_list) tx.access_list = parse_access_list(o.access_list);

    std::vector<std::string> rest = o.positionals;
    const bool create = cmd->count("--create") > 0;
    if (create) {
        tx.data = parse_hex_arg(o.create, "--create");
    } else {
        if (rest.empty()) throw UsageError("to", "a recipient is required (or deploy with --create <CODE>)");
        tx.to = parse_address_arg(rest.front(), "to");
        rest.erase(rest.begin());
    }
    if (cmd->count("--data") > 0) {
        if (!rest.empty()) throw UsageError("--data", "give calldata either as --data or as [SIG] [ARGS...], not both");
        const Bytes d = parse_hex_arg(o.data, "--data");
        tx.data.insert(tx.data.end(), d.begin(), d.end());
    } else {
        const Bytes d = encode_call_data(rest, create);
        tx.data.insert(tx.data.end(), d.begin(), d.end());
    }
    return tx;
}

void register_mktx(CLI::App& app) {
    auto o = std::make_shared<MktxOptions>();
    auto* cmd = app.add_subcommand(
        "mktx", "Build and sign a transaction offline; prints the raw signed transaction (like cast mktx)");
    cmd->add_option("args", o->positionals,
                    "[TO] [SIG] [ARGS...]: the recipient, then raw hex calldata or a function signature and its "
                    "arguments (with --create: [SIG] [ARGS...] of the constructor)");
    cmd->add_option("--create", o->create,
                    "Deploy: the contract's init code (then [SIG] [ARGS...] are constructor arguments)");
    cmd->add_option("--data", o->data, "Raw calldata as hex (instead of [SIG] [ARGS...])");
    cmd->add_option("-c,--chain,--chain-id", o->chain, "EIP-155 chain id or name (mainnet, sepolia, base, ...)")
        ->required();
    cmd->add_option("--nonce", o->nonce, "Sender nonce")->required();
    cmd->add_option("--gas-limit", o->gas_limit, "Gas limit")->required();
    cmd->add_option("--gas-price", o->gas_price,
                    "Gas price (legacy, EIP-2930) or max fee per gas (EIP-1559): wei, or with a unit (10gwei)")
        ->required();
    cmd->add_option("--priority-gas-price", o->priority_gas_price, "Max priority fee per gas (EIP-1559)");
    cmd->add_option("--value", o->value, "Ether to send: wei, or with a unit (1ether, 0.01ether)");
    cmd->add_flag("--legacy", o->legacy, "A legacy (EIP-155) transaction; with --access-list an EIP-2930 one");
    cmd->add_option("--access-list", o->access_list,
                    R"(EIP-2930 access list as JSON: [{"address":..,"storageKeys":[..]}])");
    add_key_options(cmd, o->key);
    cmd->callback([o, cmd] {
        const UnsignedTransaction tx = build_transaction(*o, cmd);
        const SecretKey key = load_signing_key(o->key);
        const auto signed_tx = sign(tx, key);
        if (!signed_tx) throw UsageError("--keystore", to_string(signed_tx.error()));
        std::cout << to_hex(signed_tx->encode()) << '\n';
    });
}

void register_decode_tx(CLI::App& app) {
    auto raw = std::make_shared<std::string>("-");
    auto* cmd =
        app.add_subcommand("decode-tx", "Decode a raw signed transaction to JSON (like cast decode-transaction)");
    cmd->alias("decode-transaction");
    cmd->add_option("tx", *raw, "Raw signed transaction as hex; '-' or nothing reads standard input");
    cmd->callback([raw] {
        std::string text = *raw;
        if (text == "-") {
            text = read_input_file("-", "tx");
            while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
        }
        const Bytes bytes = parse_hex_arg(text, "tx");
        const auto tx = SignedTransaction::decode(bytes);
        if (!tx) throw UsageError("tx", to_string(tx.error()));
        std::cout << to_json(*tx).dump(2) << '\n';
    });
}

}  // namespace

void register_tx_commands(CLI::App& app) {
    register_mktx(app);
    register_decode_tx(app);
}

}  // namespace keeper::cli
