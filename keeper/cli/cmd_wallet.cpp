// keeper wallet address | sign | verify | new: cast's wallet commands over our keystore and
// EIP-191 layers. Keys come only from a keystore (key_source.hpp); no command prints a key.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <memory>
#include <string>

#include <openssl/crypto.h>

#include "keeper/cli/command.hpp"
#include "keeper/cli/key_source.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip191.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/keystore/keystore.hpp"

namespace keeper::cli {
namespace {

/// cast's rule: a message starting with lower-case "0x" is hex-decoded; anything else
/// (including "0X...") is signed as its UTF-8 bytes.
Bytes message_bytes(const std::string& message) {
    if (!message.starts_with("0x")) return {message.begin(), message.end()};
    auto bytes = from_hex(message, HexPrefix::kRequired);
    if (!bytes) {
        throw UsageError("message",
                         "starts with 0x but is not valid hex (" + std::string(to_string(bytes.error())) + ")");
    }
    return std::move(*bytes);
}

/// Writes `content` to a new file `path` with mode 0600, refusing to overwrite.
void write_new_private_file(const std::string& path, const std::string& content) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0) {
        const int err = errno;
        throw UsageError("path", err == EEXIST ? "'" + path + "' already exists" : "cannot create '" + path + "'");
    }
    std::string_view rest = content;
    bool ok = true;
    while (!rest.empty()) {
        const ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ok = false;
            break;
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    ok = ::fsync(fd) == 0 && ok;
    ok = ::close(fd) == 0 && ok;
    if (!ok) {
        ::unlink(path.c_str());
        throw UsageError("path", "cannot write '" + path + "'");
    }
}

void register_address(CLI::App& wallet) {
    auto* cmd = wallet.add_subcommand("address",
                                      "Print the checksummed address of a keystore's key (like cast wallet address)");
    auto key = std::make_shared<KeySourceOptions>();
    add_key_options(cmd, *key);
    cmd->callback([key] {
        const SecretKey sk = load_signing_key(*key);
        std::cout << to_checksum(address_of(sk)) << '\n';
    });
}

void register_sign(CLI::App& wallet) {
    auto* cmd = wallet.add_subcommand("sign",
                                      "EIP-191 personal_sign a message; prints 0x r||s||v (like cast wallet sign). A "
                                      "message starting with 0x is hex-decoded first");
    auto message = std::make_shared<std::string>();
    auto key = std::make_shared<KeySourceOptions>();
    cmd->add_option("message", *message, "The message (text, or 0x-prefixed hex bytes)")->required();
    add_key_options(cmd, *key);
    cmd->callback([message, key] {
        const Bytes bytes = message_bytes(*message);  // before the password prompt: fail fast
        const SecretKey sk = load_signing_key(*key);
        auto sig = personal_sign(sk, bytes);
        if (!sig) throw UsageError("--keystore", "signing failed: " + std::string(to_string(sig.error())));
        std::cout << to_hex(to_rsv(*sig)) << '\n';
    });
}

void register_verify(CLI::App& wallet) {
    auto* cmd = wallet.add_subcommand("verify",
                                      "Verify an EIP-191 personal_sign signature against an address (like cast wallet "
                                      "verify); exit 1 if it does not verify");
    struct Args {
        std::string address, message, signature;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("-a,--address", args->address, "The address of the expected signer")->required();
    cmd->add_option("message", args->message, "The original message (text, or 0x-prefixed hex bytes)")->required();
    cmd->add_option("signature", args->signature, "The 65-byte signature r||s||v, hex")->required();
    cmd->callback([args] {
        auto address = parse_address(args->address);
        if (!address) throw UsageError("--address", to_string(address.error()));
        const Bytes message = message_bytes(args->message);
        auto raw = from_hex(args->signature, HexPrefix::kOptional);
        if (!raw) throw UsageError("signature", "not valid hex (" + std::string(to_string(raw.error())) + ")");
        if (raw->size() != 65)
            throw UsageError("signature", "must be 65 bytes (r||s||v), got " + std::to_string(raw->size()));
        auto sig = from_rsv(*raw);
        if (!sig) throw UsageError("signature", to_string(sig.error()));
        auto signer = personal_recover(message, *sig);
        if (!signer) {
            throw UsageError("signature",
                             "validation failed: no signer recovers (" + std::string(to_string(signer.error())) + ")");
        }
        if (*signer != *address) {
            throw UsageError("signature",
                             "validation failed: address " + to_checksum(*address) + " did not sign this message");
        }
        std::cout << "Validation succeeded. Address " << to_checksum(*address) << " signed this message.\n";
    });
}

void register_new(CLI::App& wallet) {
    auto* cmd = wallet.add_subcommand("new",
                                      "Create a random key in a new keystore file in <path> (like cast wallet new "
                                      "<path>); prints the file and address");
    struct Args {
        std::string dir, name, password_file;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("path", args->dir, "Existing directory for the keystore file")->required();
    cmd->add_option("account_name", args->name, "File name (default: the keystore's UUID, as cast names it)");
    cmd->add_option("--password-file", args->password_file,
                    "File holding the new password (one trailing newline is ignored); without it, the password is "
                    "prompted for twice on the terminal")
        ->option_text("<PATH>");
    cmd->callback([args] {
        struct stat st {};
        if (::stat(args->dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            throw UsageError("path", "'" + args->dir + "' is not a directory");
        if (args->name.find('/') != std::string::npos || args->name == "." || args->name == "..")
            throw UsageError("account_name", "must be a plain file name");

        std::string password = read_password(args->password_file, /*confirm=*/true);
        struct Wipe {
            std::string& s;
            ~Wipe() { OPENSSL_cleanse(s.data(), s.capacity()); }
        } const wipe_password{password};
        const SecretKey sk = SecretKey::generate();
        auto ks = encrypt_keystore(sk, password);
        if (!ks) throw UsageError("path", ks.error().message);

        const std::string path =
            args->dir + (args->dir.ends_with('/') ? "" : "/") + (args->name.empty() ? ks->id : args->name);
        write_new_private_file(path, to_json(*ks));
        std::cout << "Created new encrypted keystore file: " << path << '\n'
                  << "Address:    " << to_checksum(address_of(sk)) << '\n';
    });
}

}  // namespace

void register_wallet_commands(CLI::App& app) {
    auto* wallet = app.add_subcommand("wallet", "Keystore wallets: address, sign, verify, new");
    wallet->require_subcommand(1);
    register_address(*wallet);
    register_sign(*wallet);
    register_verify(*wallet);
    register_new(*wallet);
}

}  // namespace keeper::cli
