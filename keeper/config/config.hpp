// The daemon's configuration: one TOML file (config/anvil.toml, config/sepolia.toml,
// config/mainnet.toml document every field), a few environment overrides, validated in full
// before the keeper touches the network. A bad file fails at start with one line naming the
// field: "config/anvil.toml: rpc.endpoints[1].url: not an http(s) URL".
//
// Rules:
//   - Unknown keys are errors: a typo must not silently fall back to a default.
//   - Units are in the key's name (_ms, _s, _gwei, _eth, _bps, _percent). Durations of the
//     policies are seconds in the file and years (365-day) in policy::Policy.
//   - URLs may carry API keys ("https://host/v3/<key>"): no error message and no describe()
//     line ever holds a URL whole, only rpc::redact_url() of it or the endpoint's name.
//   - Environment overrides (applied after the file, before validation):
//       ETH_RPC_URL          replaces [rpc] endpoints with one endpoint named "env"
//       ETH_WS_URL           [rpc] ws_url
//       KEEPER_KEYSTORE      [keys] keystore
//       KEEPER_PASSWORD_FILE [keys] password_file
//       KEEPER_JOURNAL       [journal] path
//       KEEPER_METRICS_LISTEN [metrics] listen
//       KEEPER_LOG_LEVEL     [log] level
//       KEEPER_LOG_JSON      [log] json        (true/false/1/0)
//       KEEPER_DRY_RUN       dry_run           (true/false/1/0)
//     An empty variable counts as unset. A bad value is reported with the variable's name as
//     the field ("$KEEPER_DRY_RUN: expected true, false, 1 or 0").
//
// parse_config() does no I/O (the file's text and the environment come in as arguments) apart
// from checking that [rpc.tls] ca_file names a readable PEM certificate file, so a bad path
// fails at start naming the field; load_config() reads the file. Neither throws.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/policy/policy.hpp"
#include "keeper/rpc/settings.hpp"
#include "keeper/txm/machine.hpp"

namespace keeper::config {

/// Looks up an environment variable; nullopt when unset. Production passes process_env(),
/// tests a map (map_env()).
using Env = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment (getenv).
[[nodiscard]] Env process_env();
/// A fixed environment, for tests and tools.
[[nodiscard]] Env map_env(std::map<std::string, std::string, std::less<>> vars);
/// No variables at all.
[[nodiscard]] Env empty_env();

/// What is wrong and where. `field` is the dotted TOML path ("rpc.endpoints[1].url", indices
/// from 0) or "$VARIABLE" for a bad environment value; `message` never holds a secret.
struct ConfigError {
    std::string source;  // the file name (or the name given to parse_config)
    std::string field;
    std::string message;

    /// "<source>: <field>: <message>" (the field part is left out when empty).
    [[nodiscard]] std::string to_string() const;
};

/// [network]
struct NetworkConfig {
    std::string name;           // e.g. "anvil", "sepolia", "mainnet" (logs, metrics, safety rules)
    std::uint64_t chain_id{0};  // required; every endpoint must report it (eth_chainId)
};

/// One [[rpc.endpoints]] entry.
struct RpcEndpoint {
    std::string name;  // used in logs and metrics instead of the URL
    std::string url;   // http(s); may hold an API key: never log it, use rpc::redact_url()
};

/// [rpc] and its sub-tables [rpc.http], [rpc.retry], [rpc.pool], [rpc.ws], [rpc.heads], [rpc.tls].
/// [rpc.tls] ca_file (optional): PEM CA bundle trusted INSTEAD of the system store by every TLS
/// connection (https:// endpoints and relays, the wss:// head stream); it lands in
/// settings.http.tls and settings.ws.tls. Peer and host name verification cannot be turned off.
struct RpcConfig {
    std::vector<RpcEndpoint> endpoints;  // at least one; names unique
    std::optional<std::string> ws_url;   // ws(s); new heads by subscription (else HTTP polling)
    rpc::RpcSettings settings;           // every timeout/retry/health knob, 1:1 with the file
};

/// [keys]
struct KeysConfig {
    std::optional<std::string> keystore;       // Web3 Secret Storage v3 file of the funds key; required unless dry_run
    std::optional<std::string> password_file;  // its password (first line); absent: prompt on the terminal
};

/// [journal]
struct JournalConfig {
    std::string path;  // SQLite file of intents, nonces and attempts; required (state survives restarts here)
};

/// One [[vaults]] entry.
struct VaultConfig {
    Address vault;  // "address" in the file
    Address lens;   // the vault's read-only lens contract
};

/// [planner]: plain fields; the daemon maps them to hedge::PlannerSettings.
struct PlannerConfig {
    double min_trade{0.0};  // underlying units; smaller trades are skipped
    std::uint32_t max_slippage_bps{
        50};  // keeper's own slippage bound, 1..9999 (the tighter of this and the vault's applies)
    std::uint32_t max_deviation_bps{100};   // pool vs oracle price deviation before the keeper refuses, 1..9999
    std::uint64_t oracle_max_age_s{3'600};  // an older oracle answer halts trading for the vault
    std::uint64_t deadline_s{120};          // swap deadline after the head's timestamp
    U256 min_keeper_balance_wei{50'000'000'000'000'000ULL};  // "min_keeper_balance_eth" (default 0.05 ETH)
    double rate{0.0};                                        // risk-free rate for pricing (continuous, per year)
};

/// [txm]: the transaction manager (txm::MachinePolicy, txm::BumpPolicy, executor settings).
struct TxmConfig {
    std::uint64_t confirmations{12};                // receipt depth that makes a trade final (>= 1)
    std::uint64_t bump_after_blocks{3};             // blocks after a broadcast before a fee bump
    std::uint32_t bump_percent{12};                 // fee increase per bump (>= 10, the node's replacement rule)
    U256 bump_min_increment_wei{1'000'000'000ULL};  // "bump_min_increment_gwei" (default 1 gwei)
    U256 fee_cap_wei{200'000'000'000ULL};           // "fee_cap_gwei": hard cap on max_fee_per_gas (default 200 gwei)
    std::uint64_t intent_ttl_s{600};                // an unsent intent older than this is abandoned
    std::uint32_t gas_limit_margin_percent{25};     // gas limit = estimate * (100 + margin) / 100
    /// "finality": "depth" (`confirmations` blocks deep) or "finalized" (at or below the node's
    /// finalized block, read with the receipts every head). $KEEPER_TXM_FINALITY overrides it.
    txm::Finality finality{txm::Finality::kDepth};
};

/// [fees]: the EIP-1559 fee oracle (eth_feeHistory).
struct FeesConfig {
    std::uint64_t history_blocks{20};             // blocks of eth_feeHistory (1..1024)
    double reward_percentile{50.0};               // tip percentile of those blocks (0..100)
    U256 priority_fee_min_wei{100'000'000ULL};    // "priority_fee_min_gwei" (default 0.1 gwei)
    U256 priority_fee_max_wei{5'000'000'000ULL};  // "priority_fee_max_gwei" (default 5 gwei)
    double base_fee_multiplier{2.0};              // max_fee = multiplier * base_fee + tip (>= 1)
};

enum class SubmitMode : std::uint8_t {
    kPublic,   // eth_sendRawTransaction through the RPC endpoints (public mempool)
    kPrivate,  // private transaction relays (eth_sendPrivateTransaction)
    kBundle,   // one-transaction bundles to builders (eth_sendBundle)
    kProtect,  // protect-style private RPC endpoints (eth_sendRawTransaction to the relay)
};
[[nodiscard]] std::string_view to_string(SubmitMode m) noexcept;

enum class RelayKind : std::uint8_t {
    kFlashbots,  // Flashbots relay API, signed with X-Flashbots-Signature
    kProtect,    // a protect RPC (eth_sendRawTransaction with hints in the URL or params)
    kBuilder,    // a block builder's eth_sendBundle endpoint
};
[[nodiscard]] std::string_view to_string(RelayKind k) noexcept;

/// One [[submit.relays]] entry.
struct RelayConfig {
    std::string name;  // logs and metrics
    std::string url;   // http(s); may hold a key: never log it whole
    RelayKind kind{RelayKind::kFlashbots};
    std::vector<std::string> hints;     // MEV-Share privacy hints to share (empty: share nothing)
    std::vector<std::string> builders;  // builders a relay may forward to (empty: the relay's default)
    bool fast{false};                   // Flashbots "fast" mode (share with all registered builders)
    /// Status API base for private transactions ("<status_url><0xhash>"). Absent: the Flashbots
    /// status API for the Flashbots relay (relay.flashbots.net) on chain id 1, none otherwise;
    /// "" turns it off.
    std::optional<std::string> status_url;
    /// kind "protect": the endpoint's query options (hint, builder, refund, ...), appended to the
    /// URL in key order; an array value repeats its key (hint=hash&hint=logs).
    std::vector<std::pair<std::string, std::string>> query;
    bool simulate_bundles{false};  // bundle relays: eth_callBundle before eth_sendBundle
};

/// [submit]: how signed transactions reach a builder.
struct SubmitConfig {
    SubmitMode mode{SubmitMode::kPublic};
    bool allow_public_mempool{false};                     // required (true) for public submission on mainnet
    bool allow_public_fallback{false};                    // private mode may fall back to the public mempool
    std::optional<std::string> reputation_keystore;       // relay auth key (never the funds key); absent: ephemeral key
    std::optional<std::string> reputation_password_file;  // its password; absent: prompt
    std::uint64_t max_block_window{25};                   // blocks a private transaction may wait for inclusion
    std::uint32_t max_failures_before_alert{3};           // consecutive relay failures before an alert
    std::vector<RelayConfig> relays;                      // >= 1 for private, bundle and protect modes
};

/// [metrics]: the loopback HTTP endpoint (/metrics, /health, /ready).
struct MetricsConfig {
    bool enabled{true};
    std::string listen{"127.0.0.1:9464"};  // host:port, IPv6 as "[::1]:9464"
    bool allow_remote{false};              // a non-loopback listen address needs this
    std::string host{"127.0.0.1"};         // parsed from listen
    std::uint16_t port{9464};              // parsed from listen (0: any free port)
    /// /health answers 503 once the last head is older than this (by its timestamp, or by when
    /// it arrived): the keeper is not following the chain. Seconds, > 0.
    double max_head_age_s{60.0};
};

/// [log]
struct LogConfig {
    std::string level{"info"};        // trace, debug, info, warn, error, critical, off
    bool json{false};                 // one JSON object per line
    std::optional<std::string> file;  // also append to this file
};

struct KeeperConfig {
    std::string source;   // where it was read from (for messages)
    bool dry_run{false};  // plan and simulate, never sign or send
    NetworkConfig network;
    RpcConfig rpc;
    KeysConfig keys;
    JournalConfig journal;
    std::vector<VaultConfig> vaults;  // at least one
    policy::Policy policy;            // [policy], validated with policy::validate
    PlannerConfig planner;
    TxmConfig txm;
    FeesConfig fees;
    SubmitConfig submit;
    MetricsConfig metrics;
    LogConfig log;
};

/// Seconds per year of the policies' time unit (365 days).
inline constexpr double kSecondsPerYear = 365.0 * 86'400.0;

/// Parses, applies `env`, validates. `source` names the text in errors (usually its path).
[[nodiscard]] Expected<KeeperConfig, ConfigError> parse_config(std::string_view toml, const Env& env,
                                                               std::string_view source);

/// Reads `path` and parses it (errors: unreadable file, then as parse_config).
[[nodiscard]] Expected<KeeperConfig, ConfigError> load_config(const std::string& path, const Env& env);

/// A human-readable, redacted summary (several lines) for the startup log.
[[nodiscard]] std::string describe(const KeeperConfig& c);

/// [txm] as the transaction manager's policy (confirmations, finality, bump timing, bump rule, fee cap).
/// The other [txm] fields (intent_ttl_s, gas_limit_margin_percent) and [fees] (with
/// txm.fee_cap_wei as the fee cap) are the executor's and fee oracle's settings.
[[nodiscard]] txm::MachinePolicy machine_policy(const TxmConfig& t);

/// The [policy] kind string of a policy ("time_based", ..., "fixed_cost_aware").
[[nodiscard]] std::string_view policy_kind(const policy::Policy& p) noexcept;

/// Whether the config names Ethereum mainnet (network.name "mainnet" or chain_id 1).
[[nodiscard]] bool is_mainnet(const NetworkConfig& n) noexcept;

}  // namespace keeper::config
