// The transaction journal: the keeper's source of truth for what it decided and what it signed.
//
// Every signed transaction is committed here BEFORE it is broadcast, so after a crash at any
// instant the keeper knows each nonce it may have used and holds the exact bytes to re-send.
// That is why the file runs with synchronous=FULL: in WAL mode, NORMAL may lose the last
// commits on power loss (the WAL is not fsynced per commit), and a lost "attempt" row is
// exactly the case where a restarted keeper would sign a second trade at a new nonce. FULL
// fsyncs the WAL on every commit; the price is one fsync per journal write, a few per block.
//
// SQLite file, WAL mode (readers never block the writer), foreign keys on, busy timeout set,
// schema versioned by PRAGMA user_version with forward-only migrations applied in one
// transaction each. Every write below is one IMMEDIATE transaction, committed (and on disk)
// when the call returns success. No secret ever reaches this file: raw signed transactions and
// addresses are public data; keys are never passed in.
//
// Not thread-safe: one Journal per process, used from the daemon's event-loop thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keeper/core/bytes.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/journal/error.hpp"
#include "keeper/journal/sqlite.hpp"
#include "keeper/tx/transaction.hpp"
#include "keeper/txm/types.hpp"

namespace keeper::journal {

using txm::AttemptId;
using txm::IntentId;

/// The schema version this build writes. Older files are migrated on open; newer ones refused.
/// Version 2 adds what a replacement needs (the intent's transaction payload) and the
/// keeper_state table (a persisted trading halt). Version 3 adds re-planned intents: the
/// intent's decision revision, the archive of superseded decisions (intent_revisions) and the
/// revision each attempt signed. Version 4 adds what each mined transaction paid (the
/// receipt's gasUsed and effectiveGasPrice).
inline constexpr std::int64_t kSchemaVersion = 5;

struct JournalOptions {
    std::chrono::milliseconds busy_timeout{5000};
};

/// Which way the hedge trades the vault's underlying.
enum class Direction : std::uint8_t { kBuy = 0, kSell = 1 };

/// The decision an intent carries: enough to rebuild and audit the trade.
struct Decision {
    Address vault;
    Direction direction{Direction::kBuy};
    U256 amount_in{0};
    U256 min_amount_out{0};
    std::uint64_t deadline{0};  // unix seconds
    bool operator==(const Decision&) const = default;
};

/// The transaction an intent sends: what a fee-bumped replacement re-signs unchanged. Recorded
/// once the trade is simulated and its gas estimated, before any nonce is used.
struct TxPayload {
    Address to;
    Bytes data;
    U256 value{0};
    std::uint64_t gas_limit{0};
    bool operator==(const TxPayload&) const = default;
};

struct NewIntent {
    std::string idempotency_key;  // one per decision, e.g. "<vault>:<block>:<policy step>"
    std::uint64_t chain_id{0};
    Address sender;
    Decision decision;
    std::int64_t created_at{0};  // unix seconds, from the caller's clock
};

struct IntentRecord {
    IntentId id{0};
    std::string idempotency_key;
    std::uint64_t chain_id{0};
    Address sender;
    Decision decision;
    txm::IntentState state{txm::IntentState::kCreated};
    std::int64_t created_at{0};
    std::optional<std::uint64_t> nonce;  // reserved nonce, once assigned
    std::optional<TxPayload> payload;    // once priced (schema 2; absent for older rows)
    /// Schema 3: 0 for the decision the intent was created with, +1 per re-plan (revise_intent);
    /// `revision_key` is the plan key of the current revision (empty at revision 0, where the
    /// idempotency key names the decision).
    std::uint32_t revision{0};
    std::string revision_key;
    bool operator==(const IntentRecord&) const = default;
};

/// A superseded decision of a re-planned intent (schema 3), as archived by revise_intent().
struct IntentRevision {
    IntentId intent{0};
    std::uint32_t revision{0};
    std::string plan_key;  // the idempotency key at revision 0, the re-plan's key after
    Decision decision;
    std::optional<TxPayload> payload;
    std::int64_t superseded_at{0};
    bool operator==(const IntentRevision&) const = default;
};

/// What a mined transaction paid, from its receipt (schema 4).
struct GasCost {
    std::uint64_t gas_used{0};
    U256 effective_gas_price{0};  // wei per gas
    bool operator==(const GasCost&) const = default;
};

/// Realized gas cost of the sender's ended intents for one vault (gap fillers count under the
/// sender's own address).
struct GasPaid {
    Address vault;
    U256 wei{0};                 // sum of gasUsed x effectiveGasPrice
    std::uint64_t receipts{0};  // receipts summed
    bool operator==(const GasPaid&) const = default;
};

struct CreatedIntent {
    IntentRecord intent;
    bool inserted{false};  // false: the idempotency key was already journaled (nothing written)
};

class Journal {
public:
    /// Opens or creates the journal at `path`, applies pragmas and migrations.
    [[nodiscard]] static Result<Journal> open(const std::string& path, const JournalOptions& options = {});

    // ---- intents -------------------------------------------------------------------------------

    /// Records a decision once: a second call with the same idempotency key writes nothing and
    /// returns the existing intent with inserted = false.
    [[nodiscard]] Result<CreatedIntent> create_intent(const NewIntent& intent);
    [[nodiscard]] Result<std::optional<IntentRecord>> find_intent(std::string_view idempotency_key);
    [[nodiscard]] Result<IntentRecord> intent(IntentId id);

    /// Ends an intent in a terminal state (final, failed, cancelled, expired). `mined` is the
    /// attempt whose receipt decided it, marked final (or failed for outcome failed).
    [[nodiscard]] Result<void> finish_intent(IntentId id, txm::IntentState outcome, std::optional<AttemptId> mined);

    /// Records the transaction the intent sends. Only while the intent is created (nothing
    /// signed yet); recording it again replaces it.
    [[nodiscard]] Result<void> set_payload(IntentId id, const TxPayload& payload);
    /// Re-plans an intent in flight (a private window passed without inclusion and the planner
    /// decided again at a later head): the intent keeps its id, idempotency key, reserved nonce
    /// and attempts; its decision and payload become `decision` / `payload` at revision
    /// `expected_revision + 1`, named by `plan_key`; the superseded decision and payload are
    /// archived in intent_revisions; attempts inserted from now on record the new revision. One
    /// transaction. Fails with kInvalidState unless the intent is signed or broadcast, holds a
    /// nonce, has no attempt with a receipt and is at `expected_revision` (a stale caller), or if
    /// the vault differs (a re-plan hedges the same vault). Returns the new revision.
    [[nodiscard]] Result<std::uint32_t> revise_intent(IntentId id, std::uint32_t expected_revision,
                                                      const Decision& decision, const TxPayload& payload,
                                                      std::string_view plan_key, std::int64_t at);
    /// The superseded decisions of an intent, oldest first (empty if never re-planned).
    [[nodiscard]] Result<std::vector<IntentRevision>> revisions(IntentId id);
    /// The decision revision an attempt signed (schema 3; 0 for older rows).
    [[nodiscard]] Result<std::uint32_t> attempt_revision(AttemptId id);
    /// The sender's intents not yet terminal, oldest first, with their decisions and payloads.
    [[nodiscard]] Result<std::vector<IntentRecord>> open_intents(std::uint64_t chain_id, const Address& sender);
    /// Intents of the sender per state, indexed by txm::IntentState.
    [[nodiscard]] Result<std::array<std::uint64_t, 8>> count_by_state(std::uint64_t chain_id, const Address& sender);

    /// A nonce gap: `nonce` is below the sender's highest reserved nonce, unmined, and held by no
    /// open intent (its intent ended before anything was signed). Creates a filler intent
    /// (idempotency key "nonce-fill:<chain>:<sender>:<nonce>", payload a 0-value self-transfer
    /// of 21000 gas) and moves the reservation of `nonce` to it, in one transaction. Fails with
    /// kInvalidState if an open intent holds the nonce; returns the existing filler if any.
    [[nodiscard]] Result<IntentRecord> create_gap_filler(std::uint64_t chain_id, const Address& sender,
                                                         std::uint64_t nonce, std::int64_t created_at);

    // ---- keeper state (schema 2) -----------------------------------------------------------

    /// Small persisted flags of the keeper (e.g. "halted"): set, read, clear.
    [[nodiscard]] Result<void> put_state(std::string_view key, std::string_view value, std::int64_t updated_at);
    [[nodiscard]] Result<std::optional<std::string>> get_state(std::string_view key);
    [[nodiscard]] Result<void> erase_state(std::string_view key);

    // ---- nonces --------------------------------------------------------------------------------

    /// Assigns `nonce` to the intent. Fails with kConstraint if the sender's nonce is already
    /// reserved by another intent, kInvalidState if the intent already holds another nonce.
    [[nodiscard]] Result<void> reserve_nonce(IntentId id, std::uint64_t nonce);
    /// The sender's highest reserved nonce, if any.
    [[nodiscard]] Result<std::optional<std::uint64_t>> highest_nonce(std::uint64_t chain_id, const Address& sender);
    /// Reserved nonces of the sender's intents not yet terminal, ascending.
    [[nodiscard]] Result<std::vector<std::uint64_t>> open_nonces(std::uint64_t chain_id, const Address& sender);

    // ---- attempts ------------------------------------------------------------------------------

    /// Journals a signed transaction for the intent; returns after COMMIT (fsynced), and only
    /// then may the caller broadcast it. The transaction's nonce must be the intent's reserved
    /// nonce and its chain id the intent's. The previous newest attempt, if any, is marked
    /// replaced by this one. The intent must be created, signed or broadcast.
    [[nodiscard]] Result<AttemptId> insert_attempt(IntentId id, txm::AttemptKind kind, const SignedTransaction& tx,
                                                   std::int64_t created_at);
    /// The node accepted the attempt (or already knew it) while the head was `block`.
    /// `went_public`: it reached the public mempool (a private submitter's public fallback); an
    /// attempt once public stays public (a later private re-send does not clear it).
    [[nodiscard]] Result<void> mark_broadcast(AttemptId id, std::uint64_t block, bool went_public = false);
    /// The attempt was mined in this block. The intent becomes included. `cost` is what it paid
    /// (gasUsed, effectiveGasPrice), kept with the receipt (forgotten with it on a reorg).
    [[nodiscard]] Result<void> record_receipt(AttemptId id, const txm::ReceiptRecord& receipt,
                                              const std::optional<GasCost>& cost = std::nullopt);
    /// The receipt's block left the canonical chain: the attempt is in flight again.
    [[nodiscard]] Result<void> forget_receipt(AttemptId id);

    // ---- views for the state machine ------------------------------------------------------------

    [[nodiscard]] Result<txm::IntentView> intent_view(IntentId id);
    /// Every intent of the sender not yet terminal, oldest first: what a restart resumes.
    [[nodiscard]] Result<std::vector<txm::IntentView>> in_flight(std::uint64_t chain_id, const Address& sender);

    /// Ended intents (final, failed, cancelled) of the sender with a receipt at or above
    /// `from_block`, oldest first: what the state machine watches for reorgs past finality.
    [[nodiscard]] Result<std::vector<txm::IntentView>> ended_since(std::uint64_t chain_id, const Address& sender,
                                                                   std::uint64_t from_block);

    /// Realized gas cost per vault: the receipts (with a journaled cost) that decided the
    /// sender's ended intents (final, failed, cancelled), each counted once, in first-seen vault
    /// order.
    [[nodiscard]] Result<std::vector<GasPaid>> gas_paid(std::uint64_t chain_id, const Address& sender);

    // ---- introspection --------------------------------------------------------------------------

    [[nodiscard]] Result<std::int64_t> schema_version();
    [[nodiscard]] Result<std::string> journal_mode();
    [[nodiscard]] Database& database() noexcept { return db_; }

private:
    explicit Journal(Database db) noexcept : db_(std::move(db)) {}
    [[nodiscard]] Result<void> configure(const JournalOptions& options);
    [[nodiscard]] Result<void> migrate();
    [[nodiscard]] Result<std::int64_t> sender_id(std::uint64_t chain_id, const Address& sender, bool create);
    [[nodiscard]] Result<std::vector<txm::AttemptView>> attempts_of(IntentId id);
    [[nodiscard]] Result<std::vector<txm::IntentView>> views_of(Statement& ids, std::string_view operation);

    Database db_;
};

}  // namespace keeper::journal
