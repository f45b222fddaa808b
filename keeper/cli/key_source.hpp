// The one place the CLI obtains a signing key: a Web3 Secret Storage v3 keystore file plus its
// password, read from a file (--password-file) or typed at an interactive prompt on /dev/tty
// with echo off. Never from argv, never from the environment.
//
//   KeySourceOptions key;
//   add_key_options(cmd, key);                 // --keystore <FILE> --password-file <FILE>
//   cmd->callback([&] { SecretKey sk = load_signing_key(key); ... });
//
// Errors are UsageError naming the argument ("--keystore: ...", "--password-file: ...");
// neither the password nor any key material ever appears in a message.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "keeper/crypto/secp256k1.hpp"

namespace keeper::cli {

struct KeySourceOptions {
    std::string keystore;       // path to a keystore JSON file (cast's --keystore)
    std::string password_file;  // path to a file holding the password; empty: prompt on /dev/tty
};

/// Adds --keystore <FILE> (required) and --password-file <FILE> (optional) to `cmd`.
void add_key_options(CLI::App* cmd, KeySourceOptions& options);

/// Reads and decrypts the keystore. Throws UsageError naming the argument on any failure
/// (missing file, malformed keystore, wrong password, no terminal for the prompt).
[[nodiscard]] SecretKey load_signing_key(const KeySourceOptions& options);

/// Reads a password as load_signing_key does: from `password_file` (one trailing "\n" or
/// "\r\n" stripped) or, when it is empty, from a prompt on /dev/tty with echo off.
/// `confirm` asks twice and requires both entries to match (used when creating a keystore).
[[nodiscard]] std::string read_password(const std::string& password_file, bool confirm = false);

}  // namespace keeper::cli
