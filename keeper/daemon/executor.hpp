// Execute: a hedge plan becomes exactly one trade on chain, or none.
//
// execute(plan):  journal the intent (idempotency key: a second call with the same key sends
//                 nothing) -> calldata (keeper::chain::encode_rebalance) -> eth_call simulation
//                 from the keeper at "pending" (a revert ends the intent as failed, with the
//                 decoded reason) -> eth_estimateGas + margin -> fees (eth_feeHistory, hard cap)
//                 -> journal the payload -> reserve the nonce (journal and chain) -> sign
//                 EIP-1559 -> journal the signed attempt (committed, fsynced) -> submit ->
//                 journal "broadcast". Dry run stops after the gas estimate: nothing journaled,
//                 nothing signed.
// on_head(head): ONE batched read of the chain per head, to one endpoint, pinned to the head:
//                 the keeper's mined nonce count AT THE HEAD'S BLOCK HASH (EIP-1898,
//                 requireCanonical; by number only for nodes that refuse the hash form, probed
//                 at start), the node's "finalized" block (finality "finalized" only), and for
//                 every attempt of the intents still in flight (and, for deep reorgs, those that
//                 ended within reorg_watch_blocks) its receipt, and eth_getTransactionByHash for
//                 each attempt that went to the public mempool (journaled so, or
//                 submitter.sent_privately() false this run).
//                 A receipt in a block above the head (the node moved on after the head) is
//                 ignored until that head arrives, so the nonce count and the receipts describe
//                 the same block. With nothing to track only the nonce count is read (one call).
//                 Then:
//                   - the key used elsewhere: the nonce count above every nonce the journal holds
//                     (and above the last count seen) -> alert chain_ahead, stats; the next
//                     nonce comes from max(journal, chain), i.e. fast-forwarded;
//                   - txm::evaluate ("nonce consumed elsewhere" confirmed by a second read of
//                     that intent's receipts: a node may serve a block's state a moment before
//                     its receipts), and the actions applied in order:
//                 journal writes before any send; replacements re-sign the journaled payload at
//                 the same nonce with bumped fees; cancels are 0-value self-transfers (also for
//                 an intent that reserved a nonce but never journaled an attempt and expired: its
//                 nonce is released, never left as a gap); a halt is persisted (keeper_state
//                 "halted") and survives restarts until cleared; a receipt is journaled with what
//                 it paid (gasUsed, effectiveGasPrice), and an intent becoming final adds that
//                 to gas_paid_wei of its vault (stats; rebuilt from the journal at start, so
//                 each receipt counts once across restarts);
//                   - nonce gaps below the journal's highest nonce that nothing will fill (an
//                     intent ended before signing, e.g. in a journal from an older keeper) are
//                     filled with no-op self-transfers at once, not at the next start.
//                 Each intent is tracked by its NEWEST attempt, per attempt: one that went to the
//                 public mempool (every attempt of a public submitter; a private submitter's
//                 public fallback: journaled with the broadcast, so also after a restart)
//                 follows the rules above as the node sees it (bumped after bump_after_blocks,
//                 dropped bytes re-sent - publicly again - then replaced, an expired trade
//                 replaced by a cancel), and
//                 every replacement of it is priced by the node's replacement rule (both fee
//                 fields >= +10%, the market's price when higher, under the cap), since the node
//                 holds the old bytes and refuses anything less as underpriced.
//                 Attempts held by a private channel: the public node never sees a
//                 pending private transaction, so "known" comes from submitter.visibility():
//                 kPending waits for the window (no fee bump while a relay holds it). kExpired,
//                 kFailed, kCancelled and kUnknown with no receipt: the window passed.
//                   - a trade is not re-signed as it was (its amount, oracle-bounded minimum out
//                     and deadline were priced at an older head): the intent is marked
//                     "awaiting re-plan" (awaiting_replan()), and the keeper loop, after its
//                     collect, runs the planner for that vault with the intent no longer
//                     counted in flight and hands the fresh plan to replan() (below);
//                   - a cancel (or anything while trading is halted) is re-signed as a cancel
//                     at the same nonce with fresh fees.
//                 No replacement rule applies (no mempool holds the old bytes): fees are the fee
//                 oracle's fresh price. (A re-plan or release always follows a private newest
//                 attempt: an intent whose newest attempt went public is never awaiting one.)
//                 After private_alert_after_windows missed windows an alert fires (once per
//                 intent). A trade whose deadline passes while a relay still holds it is
//                 withdrawn at the relay, then cancelled at its nonce.
//                 Nonces never come from the node's "pending" count for private submitters
//                 (is_private()), also when an attempt went public: every attempt is signed at
//                 a nonce the journal reserved first, so the journal already counts it.
// replan(intent, plan, head): the fresh plan for an intent awaiting re-plan.
//                 Trade: calldata from the new plan (amount, min out from the new oracle
//                 price, new deadline, price limit) -> eth_call simulation -> eth_estimateGas
//                 -> fees -> journal.revise_intent() (same intent, same idempotency key, same
//                 reserved nonce; decision and payload at revision + 1, the superseded one
//                 archived) -> sign at the SAME nonce -> journal the attempt -> submit. The old
//                 attempts can never land with it: they share the nonce, their windows passed,
//                 and the newest is withdrawn at the relay first.
//                 No trade (inside the band now, stale oracle, paused, a reverting simulation,
//                 halted ...): the nonce is released by a 0-value self-transfer cancel at that
//                 nonce through the same submitter, and the intent ends cancelled when it is
//                 mined. (Handing the held nonce to the next intent instead would need the
//                 reservation moved between intents while a relay may still hold the old
//                 bytes; a cancel keeps one intent per nonce and the journal's invariants.)
//                 Crash safety: every step is journaled before anything is sent. A crash
//                 before revise_intent leaves the old revision: the next head finds the window
//                 passed and re-plans again. A crash after it, before the attempt is
//                 journaled, leaves nothing signed at the new revision: the window is still
//                 passed, the next head re-plans again (revision + 2). A crash after the
//                 attempt is journaled re-sends its identical bytes (resume). At every instant
//                 the intent holds its nonce: exactly one transaction lands there, no gap.
// start(head):    the persisted halt, the realized gas cost from the journal, whether the node
//                 takes EIP-1898 block hashes, nonce sync (the chain ahead of the journal: the key was used
//                 elsewhere -> fast-forward + alert; gaps below the journal's highest nonce ->
//                 filled with no-op self-transfers), then one on_head() that resumes whatever
//                 the journal holds: a transaction that may have been broadcast is re-sent with
//                 identical bytes, never re-signed at a new nonce.
//
// No key material reaches a log line or an error: the key is only passed to keeper::sign().
// Runs on the daemon's event-loop thread; not thread-safe.
#pragma once

#include <utility>  // before Asio

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/crypto/secp256k1.hpp"
#include "keeper/daemon/fee_oracle.hpp"
#include "keeper/hedge/types.hpp"
#include "keeper/journal/journal.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/submit/submitter.hpp"
#include "keeper/txm/machine.hpp"

namespace keeper::daemon {

namespace asio = boost::asio;

/// Test hook: the executor ends the process with _exit(kCrashExitCode) at this instant, as a
/// SIGKILL would (no destructors, no flush).
enum class CrashPoint : std::uint8_t {
    kNone,
    kAfterJournal,    // the signed attempt is committed, nothing sent
    kAfterSend,       // the submitter accepted it, "broadcast" not yet journaled
    kAfterBroadcast,  // sent and journaled as broadcast
    kAfterReplanRevise,   // replan(): the fresh decision journaled (revise_intent), nothing signed
    kAfterReplanJournal,  // replan(): the re-planned attempt committed at the held nonce, nothing sent
    kAfterReserveNonce,   // execute(): the nonce reserved in the journal, nothing signed or journaled
};
inline constexpr int kCrashExitCode = 86;

struct ExecutorSettings {
    std::uint64_t chain_id{0};
    txm::MachinePolicy machine;
    FeeSettings fees;
    std::uint32_t gas_limit_margin_percent{25};  // gas limit = estimate * (100 + margin) / 100
    std::uint64_t intent_ttl_seconds{120};       // an intent not mined by min(trade deadline, head + ttl) is cancelled
    // machine.finality: kDepth (machine.confirmations) or kFinalized (the node's "finalized"
    // block, read with the receipts at every head).
    std::uint64_t reorg_watch_blocks{64};        // ended intents with a receipt this recent are watched for deep reorgs
    std::uint32_t private_alert_after_windows{3};  // private submitters: alert once an intent missed this many windows
    bool dry_run{false};
    CrashPoint crash_point{CrashPoint::kNone};
};

/// The first invalid field, named ("executor.machine.confirmations: must be at least 1").
[[nodiscard]] Expected<void, std::string> validate(const ExecutorSettings& settings);

enum class ExecuteOutcome : std::uint8_t {
    kSubmitted,            // journaled, signed and handed to the submitter (or journaled for a re-send)
    kDuplicate,            // the idempotency key was already journaled: nothing sent
    kSimulationReverted,   // eth_call / eth_estimateGas reverted: no trade (detail holds the reason)
    kDryRun,               // simulated and estimated; nothing journaled or signed
    kRejected,             // not priceable under the fee cap, or the submitter refused it for good
    kHalted,               // trading is halted (deep reorg): nothing done
    kError,                // the node or the journal failed before anything was signed
};
[[nodiscard]] std::string_view to_string(ExecuteOutcome o) noexcept;

struct ExecuteResult {
    ExecuteOutcome outcome{ExecuteOutcome::kError};
    std::optional<Hash32> tx_hash;
    std::string detail;
    std::uint64_t gas_estimate{0};
    txm::Fees fees;
    std::optional<txm::IntentId> intent;
    std::optional<std::uint64_t> nonce;
};

/// Something an operator must see. `kind` is a stable token for metrics labels:
/// dropped, fee_cap_reached, reorged_out, nonce_consumed_elsewhere, deep_reorg (from the state
/// machine), chain_ahead (the key signed elsewhere; nonce fast-forwarded), gap_filled,
/// abandoned (an intent that cannot be signed), unpriceable (fees above the cap for a resend),
/// private_window_missed (a private submitter's windows passed `private_alert_after_windows`
/// times without inclusion; the intent keeps being re-signed at its nonce).
struct AlertEvent {
    std::string kind;
    txm::IntentId intent{0};
    std::string detail;
};

struct ExecutorStats {
    std::array<std::uint64_t, 8> intents_by_state{};  // journal counts per txm::IntentState
    std::uint64_t executed{0};            // execute() calls that signed a trade
    std::uint64_t duplicates{0};
    std::uint64_t simulation_reverts{0};
    std::uint64_t sent{0};                // first sends of newly signed attempts
    std::uint64_t bumped{0};              // fee-bumped replacements signed
    std::uint64_t resigned_private{0};    // private attempts re-signed at their nonce after a missed window
    std::uint64_t replanned{0};           // private trades re-planned and signed at their held nonce
    std::uint64_t replan_released{0};     // held nonces released by a cancel because the re-plan said no trade
    std::uint64_t cancelled{0};           // cancels signed (expired intents)
    std::uint64_t rebroadcast{0};         // identical bytes re-sent (restart recovery, dropped)
    std::uint64_t gap_fills{0};
    std::uint64_t nonce_fast_forwards{0};
    std::uint64_t receipts_reorged{0};
    std::uint64_t alerts{0};
    std::map<std::string, std::uint64_t> alerts_by_kind;  // AlertEvent::kind -> count (sums to `alerts`)
    /// Realized gas cost: sum of gasUsed x effectiveGasPrice over the receipts of the keeper's
    /// transactions (trades and cancels) that became final, per vault (a cancel counts for the
    /// vault of its intent), in wei.
    std::map<Address, U256> gas_paid_wei;
    std::uint64_t final_receipts{0};  // receipts counted in gas_paid_wei
    bool halted{false};
};

/// An intent whose private window passed: the keeper re-plans its vault (see the file comment).
struct ReplanRequest {
    txm::IntentId intent{0};
    Address vault;
    std::uint64_t nonce{0};
    std::uint32_t revision{0};       // the intent's current decision revision
    std::size_t missed_windows{0};   // attempts signed so far, all missed
};

enum class ReplanOutcome : std::uint8_t {
    kResigned,  // the fresh plan trades: journaled as the next revision, signed at the held nonce, sent
    kReleased,  // no trade now: a cancel at the held nonce was signed and sent
    kSkipped,   // nothing signed (not awaiting a re-plan, node or journal failure): retried at the next head
};
[[nodiscard]] std::string_view to_string(ReplanOutcome o) noexcept;

struct ReplanResult {
    ReplanOutcome outcome{ReplanOutcome::kSkipped};
    txm::IntentId intent{0};
    std::uint64_t nonce{0};
    std::uint32_t revision{0};  // the intent's revision after the call
    std::optional<Hash32> tx_hash;
    std::uint64_t gas_estimate{0};
    txm::Fees fees;
    std::string detail;
};

class Executor {
public:
    Executor(rpc::EndpointPool& pool, journal::Journal& journal, submit::Submitter& submitter, SecretKey funds_key,
             ExecutorSettings settings);

    /// Persisted halt, nonce sync, gap fills, then resumes the journal (one on_head(head)).
    [[nodiscard]] asio::awaitable<rpc::Result<void>> start(const rpc::BlockHeader& head);
    [[nodiscard]] asio::awaitable<ExecuteResult> execute(const hedge::HedgePlan& plan, const Address& vault,
                                                         const rpc::BlockHeader& head);
    /// Tracks every in-flight intent one step (see the file comment). Failures are logged and
    /// retried at the next head; nothing here throws on node or journal errors.
    asio::awaitable<void> on_head(const rpc::BlockHeader& head);

    /// Intents whose private window passed at the last on_head(), to re-plan before anything
    /// else is decided for their vault (all vaults, or one), lowest nonce first.
    [[nodiscard]] std::vector<ReplanRequest> awaiting_replan() const;
    [[nodiscard]] std::vector<ReplanRequest> awaiting_replan(const Address& vault) const;
    /// The fresh plan for an intent awaiting re-plan, decided at `head` with that intent not
    /// counted in flight (see the file comment). A plan without a trade releases the nonce.
    [[nodiscard]] asio::awaitable<ReplanResult> replan(txm::IntentId intent, const hedge::HedgePlan& plan,
                                                       const rpc::BlockHeader& head);
    /// Releases the held nonce of an intent awaiting re-plan with a cancel (e.g. its vault is
    /// no longer configured, so no plan can be made); `why` is logged.
    [[nodiscard]] asio::awaitable<ReplanResult> release(txm::IntentId intent, std::string why,
                                                        const rpc::BlockHeader& head);

    /// Hedges of `vault` sent but not final: buys count their minimum output, sells their input.
    /// Intents whose newest attempt is a cancel do not count (their trade is not coming: its
    /// deadline or window passed); nor does `exclude` (the intent being re-planned).
    [[nodiscard]] std::vector<hedge::InFlightHedge> in_flight(const Address& vault,
                                                              std::optional<txm::IntentId> exclude = {}) const;
    [[nodiscard]] bool halted() const noexcept { return halted_; }
    /// Why trading halted, as persisted.
    [[nodiscard]] const std::optional<std::string>& halt_reason() const noexcept { return halt_reason_; }
    /// Operator action: clears the persisted halt.
    [[nodiscard]] journal::Result<void> clear_halt();
    [[nodiscard]] ExecutorStats stats() const;
    /// The most recent alerts (at most 64), oldest first.
    [[nodiscard]] std::vector<AlertEvent> recent_alerts() const { return {alerts_.begin(), alerts_.end()}; }
    [[nodiscard]] Address sender() const noexcept { return sender_; }
    /// Whether the per-head reads name the head by hash (EIP-1898); false: by number.
    [[nodiscard]] bool pinned_by_hash() const noexcept { return by_hash_; }

private:
    struct Sent {
        txm::AttemptId attempt{0};
        Hash32 tx_hash;
        submit::SubmitResult result;
    };
    struct NonceState {
        std::uint64_t next{0};
        bool chain_ahead{false};
        std::uint64_t chain_latest{0};
        std::vector<std::uint64_t> gaps;
        std::optional<std::uint64_t> journal_highest;
    };

    asio::awaitable<rpc::Result<NonceState>> plan_nonce();
    /// Signs `payload` (or the self-transfer for kCancel) at `nonce` with `fees`, journals it,
    /// sends it and journals the broadcast. An error string when nothing could be journaled.
    asio::awaitable<Expected<Sent, std::string>> sign_and_send(txm::IntentId intent, txm::AttemptKind kind,
                                                               std::uint64_t nonce, const txm::Fees& fees,
                                                               const journal::TxPayload& payload,
                                                               const rpc::BlockHeader& head,
                                                               CrashPoint after_journal = CrashPoint::kAfterJournal);
    /// The cancel of replan()/release(): withdraws the newest trade at the relay, signs a
    /// self-transfer at the held nonce with fresh fees, sends it.
    asio::awaitable<ReplanResult> release_nonce(const journal::IntentRecord& rec, std::string why,
                                                const rpc::BlockHeader& head);
    asio::awaitable<void> apply(const txm::Action& action, const std::vector<txm::IntentView>& views,
                                const rpc::BlockHeader& head);
    asio::awaitable<void> sign_new(txm::IntentId intent, const rpc::BlockHeader& head);
    /// A replacement or cancel at `nonce`, priced by where the newest attempt went: public (the
    /// node holds it) -> the node's replacement rule (>= +10% on both fields, the market when
    /// higher, under the cap; the state machine's bump is that same floor); private or none ->
    /// the fee oracle's fresh price (a private trade being cancelled is withdrawn first).
    asio::awaitable<void> sign_again(txm::IntentId intent, txm::AttemptKind kind, std::uint64_t nonce,
                                     const std::vector<txm::IntentView>& views, const rpc::BlockHeader& head);
    /// Private submitters: rewrites the state machine's actions for one in-flight intent
    /// (see the file comment); `newest_pending` is the newest attempt's visibility == kPending.
    std::vector<txm::Action> private_actions(const txm::IntentView& view, std::vector<txm::Action> actions,
                                             bool newest_pending, std::uint64_t head_timestamp);
    /// Re-sends journaled bytes; `journaled_public`: the attempt reached the public mempool
    /// before (the journal's flag), so a private submitter's fallback delivers it publicly again;
    /// `missed_windows`: the private windows the journal shows missed at its nonce before it.
    asio::awaitable<void> resend(txm::AttemptId attempt, const Bytes& raw, txm::BroadcastReason reason,
                                 bool journaled_public, std::uint32_t missed_windows, const rpc::BlockHeader& head);
    /// Whether an attempt went to the public mempool: journaled so (also before a restart), or
    /// the submitter says so for this run (a public submitter; the fan-out's fallback).
    [[nodiscard]] bool went_public(const txm::AttemptView& a) const {
        return a.went_public || !submitter_.sent_privately(a.tx_hash);
    }
    asio::awaitable<void> fill_gaps(const std::vector<std::uint64_t>& gaps, const rpc::BlockHeader& head);
    /// The keeper's nonce count as the chain reports it (`where` names the read): above every
    /// nonce the journal holds and above the last count seen -> chain_ahead alert, stats.
    void note_chain_nonce(std::uint64_t chain_next, std::optional<std::uint64_t> journal_highest, txm::IntentId intent,
                          std::string_view where);
    /// Runtime nonce gaps: below the journal's highest nonce, at or above `mined` (the nonce
    /// count at the head), held by no open intent -> filled.
    asio::awaitable<void> fill_runtime_gaps(std::uint64_t mined, const rpc::BlockHeader& head);
    /// The state machine's "nonce consumed elsewhere" verdicts, confirmed by reading those
    /// intents' receipts again (after the nonce count); unconfirmed ones are dropped from
    /// `actions` and decided at the next head.
    asio::awaitable<void> confirm_nonce_lost(std::vector<txm::Action>& actions, const std::vector<txm::IntentView>& views,
                                             const rpc::BlockHeader& head);
    /// Realized gas cost of an intent that just ended with `attempt` mined.
    void count_gas(txm::IntentId intent, txm::AttemptId attempt);
    void halt(std::string reason);
    void alert(std::string kind, txm::IntentId intent, std::string detail);
    void refresh();  // intent counts and the open-intent cache
    void abandon(txm::IntentId intent, std::string_view why);
    void crash_if(CrashPoint point) const;

    rpc::EndpointPool& pool_;
    journal::Journal& journal_;
    submit::Submitter& submitter_;
    SecretKey key_;
    ExecutorSettings settings_;
    Address sender_;
    bool halted_{false};
    std::optional<std::string> halt_reason_;
    ExecutorStats stats_;
    std::vector<journal::IntentRecord> open_;
    std::deque<AlertEvent> alerts_;
    std::set<txm::IntentId> deep_reorg_alerted_;
    std::set<txm::IntentId> private_missed_alerted_;
    std::vector<ReplanRequest> awaiting_;  // rebuilt by every on_head(); replan() consumes entries
    std::set<txm::IntentId> cancelling_;    // open intents whose newest attempt is a cancel: no hedge coming
    bool by_hash_{true};                     // per-head reads pinned by block hash (probed at start)
    std::optional<std::uint64_t> chain_nonce_seen_;   // the highest nonce count read from the chain
    std::map<txm::AttemptId, journal::GasCost> head_costs_;  // this head's receipts: what each paid
};

}  // namespace keeper::daemon
