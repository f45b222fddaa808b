// keccak and other hashing utilities.
#include <iostream>

#include "keeper/cli/command.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/keccak.hpp"

namespace keeper::cli {

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
}

}  // namespace keeper::cli
