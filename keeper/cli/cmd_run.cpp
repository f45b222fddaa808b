// `keeper run --config <file> [--dry-run]`: the daemon.
//
// The configuration is loaded and validated in full first (a bad file is one line naming the
// field, exit 1), then the funds key is decrypted from the configured keystore (password file
// or terminal prompt, as every other subcommand), then keeper::daemon::Daemon runs until
// SIGINT/SIGTERM. --dry-run (or dry_run = true, or KEEPER_DRY_RUN=1) decides and simulates
// every hedge but never signs: without a keystore it runs under a throwaway key.
#include <optional>
#include <stdexcept>
#include <string>

#include "keeper/cli/command.hpp"
#include "keeper/cli/key_source.hpp"
#include "keeper/config/config.hpp"
#include "keeper/daemon/keeper.hpp"
#include "keeper/ops/hardening.hpp"

namespace keeper::cli {
namespace {

struct RunArgs {
    std::string config;
    bool dry_run{false};
};

std::optional<SecretKey> load_optional_key(const std::optional<std::string>& keystore,
                                           const std::optional<std::string>& password_file,
                                           std::string_view what) {
    if (!keystore) return std::nullopt;
    KeySourceOptions key;
    key.keystore = *keystore;
    key.password_file = password_file.value_or(std::string());
    try {
        return load_signing_key(key);
    } catch (const UsageError& e) {
        // load_signing_key names its own flags; name the config keys instead.
        std::string message = e.what();
        for (const std::string_view flag : {std::string_view("--keystore: "), std::string_view("--password-file: ")}) {
            if (message.rfind(flag, 0) == 0) message.erase(0, flag.size());
        }
        throw UsageError(what, message);
    }
}

int run_keeper(const RunArgs& args) {
    auto loaded = config::load_config(args.config, config::process_env());
    if (!loaded) throw UsageError("--config", loaded.error().to_string());
    config::KeeperConfig cfg = std::move(*loaded);
    if (args.dry_run) cfg.dry_run = true;

    // Before any key is decrypted: a crash must not leave the key in a core file.
    if (auto hardened = ops::forbid_core_dumps(); !hardened)
        throw std::runtime_error("cannot forbid core dumps (" + hardened.error() + "): refusing to load keys");

    if (!cfg.keys.keystore && !cfg.dry_run)
        throw UsageError("--config", cfg.source + ": keys.keystore: missing (required unless dry_run)");
    std::optional<SecretKey> funds = load_optional_key(cfg.keys.keystore, cfg.keys.password_file, "keys.keystore");
    if (!funds) funds = SecretKey::generate();  // dry run without a keystore: nothing is ever signed
    std::optional<SecretKey> relay =
        load_optional_key(cfg.submit.reputation_keystore, cfg.submit.reputation_password_file,
                          "submit.reputation_keystore");

    daemon::RunOptions options;
    options.dry_run = cfg.dry_run;
    daemon::Daemon keeper(std::move(cfg), std::move(*funds), std::move(relay), std::move(options));
    return keeper.run();
}

}  // namespace

void register_run_commands(CLI::App& app) {
    auto args = std::make_shared<RunArgs>();
    CLI::App* run = app.add_subcommand("run", "run the keeper daemon: watch heads, hedge the vaults, until SIGINT/SIGTERM");
    run->add_option("--config", args->config, "TOML configuration file (see config/anvil.toml)")->required();
    run->add_flag("--dry-run", args->dry_run, "decide and simulate every hedge, never sign or send");
    run->callback([args] {
        const int code = run_keeper(*args);
        if (code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace keeper::cli
