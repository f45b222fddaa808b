// keccak and other hashing utilities; to-rlp / from-rlp.
#include <iostream>

#include "keeper/cli/command.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/crypto/keccak.hpp"
#include "keeper/rlp/item.hpp"

namespace keeper::cli {

namespace {

/// The positional `name` of `cmd`, or standard input (trailing newlines dropped) when it is
/// absent or '-', as cast reads its value arguments.
std::string value_or_stdin(CLI::App* cmd, const std::string& name) {
    const auto* opt = cmd->get_option(name);
    std::string value = opt->empty() ? std::string("-") : opt->as<std::string>();
    if (value == "-") {
        value = read_input_file("-", name);
        while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    }
    return value;
}

void register_rlp_commands(CLI::App& app) {
    auto* to_rlp = app.add_subcommand(
        "to-rlp", "RLP-encode a hex string or a JSON array of them, nested to any depth (like cast to-rlp)");
    to_rlp->add_option(
        "value", R"(e.g. '["0x01",["0x02"]]'; numbers are encoded as scalars; '-' or nothing reads standard input)");
    to_rlp->callback([to_rlp] {
        const auto item = rlp::parse_item_text(value_or_stdin(to_rlp, "value"));
        if (!item) throw UsageError("value", rlp::to_string(item.error()));
        std::cout << to_hex(rlp::encode(*item)) << '\n';
    });

    auto* from_rlp = app.add_subcommand(
        "from-rlp", "Decode canonical RLP into cast's notation; trailing bytes are rejected (like cast from-rlp)");
    from_rlp->add_option("value", "RLP as hex; '-' or nothing reads standard input");
    auto* as_int = from_rlp->add_flag("--as-int")->description("Decode a single scalar and print it in decimal");
    from_rlp->callback([from_rlp, as_int] {
        const auto bytes = from_hex(value_or_stdin(from_rlp, "value"));
        if (!bytes) throw UsageError("value", std::string("not valid hex: ") + std::string(to_string(bytes.error())));
        ByteView view(*bytes);
        if (as_int->count() > 0) {
            U256 n;
            if (auto ok = rlp::decode(view, n, rlp::Leftover::kProhibit); !ok)
                throw UsageError("value", rlp::to_string(ok.error()));
            std::cout << to_dec(n) << '\n';
            return;
        }
        const auto item = rlp::decode_item(view, rlp::Leftover::kProhibit);
        if (!item) throw UsageError("value", rlp::to_string(item.error()));
        std::cout << rlp::to_text(*item) << '\n';
    });
}

}  // namespace

void register_util_commands(CLI::App& app) {
    auto* keccak = app.add_subcommand("keccak", "Keccak-256 of data: 0x-hex is hashed as bytes, other text as UTF-8 (like cast keccak)");
    keccak->add_option("data", "Data to hash; '-' or nothing reads standard input");
    keccak->callback([keccak] {
        std::string data = keccak->get_option("data")->empty() ? std::string("-")
                                                                : keccak->get_option("data")->as<std::string>();
        if (data == "-") {
            data = read_input_file("-", "data");
            while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.pop_back();
        }
        if (data.starts_with("0x") || data.starts_with("0X")) {
            auto bytes = from_hex(data);
            if (!bytes) throw UsageError("data", std::string("not valid hex: ") + std::string(to_string(bytes.error())));
            std::cout << to_hex(keccak256(*bytes)) << '\n';
        } else {
            std::cout << to_hex(keccak256(data)) << '\n';
        }
    });
    register_rlp_commands(app);
}

}  // namespace keeper::cli
