// Test support for the keeper daemon suites: a deployed and seeded vault on anvil, the keeper's
// keystore and password on disk, a config file for `keeper run`, and the chain reads the
// assertions need (on-chain delta, Rebalanced events, nonces, pool price), all done with cast
// or raw JSON-RPC so the checks stay independent of the code under test.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/anvil.hpp"
#include "support/stack.hpp"
#include "support/temp_dir.hpp"

namespace keeper::test {

/// The keystore password of the daemon tests; the secret-leak test greps every log for it.
inline constexpr const char* kKeystorePassword = "correct horse battery staple 7f3c";

/// What goes into the generated keeper config.
struct ConfigOptions {
    std::vector<std::pair<std::string, std::string>> endpoints;  // name, url; empty: the anvil itself
    std::optional<std::string> ws_url;
    bool dry_run{false};
    bool with_keystore{true};
    double band{0.25};  // delta_band policy, absolute (underlying units)
    std::uint64_t oracle_max_age_s{3600};
    std::uint64_t confirmations{1};
    std::string log_level{"debug"};
    bool log_json{false};
    std::uint16_t poll_interval_ms{200};
    std::uint16_t probe_interval_ms{500};
    /// Set: [submit] mode "private" through this relay (kind flashbots, e.g. the local relay of
    /// tests/support/relay.hpp), windows of `relay_window_blocks`. Unset: public mempool.
    std::optional<std::string> private_relay_url;
    std::uint64_t relay_window_blocks{25};
};

/// One anvil (automine), the stack deployed, a book of short options written, a TWAP window of
/// pool history, and a private directory with the keeper's keystore (anvil account 1,
/// encrypted with kKeystorePassword).
class DaemonWorld {
public:
    explicit DaemonWorld(std::vector<std::string> anvil_args = {});

    AnvilProcess& anvil() { return *anvil_; }
    [[nodiscard]] const Stack& stack() const { return stack_; }
    [[nodiscard]] const TempDir& dir() const { return dir_; }
    [[nodiscard]] std::string keystore_path() const { return dir_.file("keeper.json"); }
    [[nodiscard]] std::string password_path() const { return dir_.file("keeper.password"); }
    [[nodiscard]] std::string journal_path() const { return dir_.file("journal.sqlite"); }

    /// A complete TOML config for this world.
    [[nodiscard]] std::string config_toml(ConfigOptions options) const;
    /// Writes config_toml(options) to `name` in the private directory; returns its path.
    std::string write_config(const ConfigOptions& options, const std::string& name = "keeper.toml") const;

private:
    TempDir dir_;
    std::unique_ptr<AnvilProcess> anvil_;
    Stack stack_;
};

// ---- chain reads and moves (cast / raw JSON-RPC) ------------------------------------------------

/// One JSON-RPC call; the "result" member, failing the test on an error object.
nlohmann::json anvil_rpc(const AnvilProcess& anvil, const std::string& method, const std::string& params_json = "[]");
/// evm_increaseTime + evm_mine.
void advance_time(const AnvilProcess& anvil, std::uint64_t seconds);
void mine(const AnvilProcess& anvil);
std::uint64_t block_number(const AnvilProcess& anvil);
/// eth_getTransactionCount(address, "latest").
std::uint64_t nonce_of(const AnvilProcess& anvil, const std::string& address);

/// The lens's portfolio delta (underlying units) at the latest block.
double chain_delta(const AnvilProcess& anvil, const Stack& stack);
/// The vault's tolerance band of the on-chain check (underlying units).
double vault_tolerance(const AnvilProcess& anvil, const Stack& stack);
/// The pool's spot price (quote per underlying).
double pool_price(const AnvilProcess& anvil, const Stack& stack);
/// Sets the mock feed to `price` (quote per underlying).
void set_oracle_price(const AnvilProcess& anvil, const Stack& stack, double price);
/// Swaps on the pool (as the trader) so its spot price lands near `price`, from the pool's
/// liquidity and sqrt price (one swap, assuming the liquidity range holds).
void move_pool_to(const AnvilProcess& anvil, const Stack& stack, double price);

struct RebalancedLog {
    std::uint64_t block{0};
    std::string tx_hash;
    std::string keeper;  // lower-case hex
};
/// Every Rebalanced event of the vault so far.
std::vector<RebalancedLog> rebalanced_events(const AnvilProcess& anvil, const Stack& stack);

/// The book every daemon test writes: short 10 calls at 3000 (7 days) and 5 puts at 2800
/// (14 days), 1,000,000 quote deposited: the vault starts about 3.7 underlying short delta.
void seed_book(const AnvilProcess& anvil, const Stack& stack);

}  // namespace keeper::test
