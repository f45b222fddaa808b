#include "keeper/daemon/executor.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <type_traits>
#include <variant>

#include <spdlog/spdlog.h>

#include "keeper/chain/collector.hpp"
#include "keeper/chain/contracts.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/keccak.hpp"
#include "keeper/submit/public_submitter.hpp"
#include "keeper/tx/transaction.hpp"
#include "keeper/txm/nonce.hpp"

namespace keeper::daemon {

namespace {

using txm::AttemptKind;
using txm::IntentId;
using txm::IntentState;

constexpr std::size_t kMaxAlerts = 64;
constexpr std::uint64_t kTransferGas = 21'000;
constexpr std::string_view kHaltKey = "halted";

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string_view alert_token(txm::AlertKind k) noexcept {
    switch (k) {
        case txm::AlertKind::kDropped:
            return "dropped";
        case txm::AlertKind::kFeeCapReached:
            return "fee_cap_reached";
        case txm::AlertKind::kReorgedOut:
            return "reorged_out";
        case txm::AlertKind::kNonceConsumedElsewhere:
            return "nonce_consumed_elsewhere";
        case txm::AlertKind::kDeepReorg:
            return "deep_reorg";
    }
    return "unknown";
}

std::string short_hash(const Hash32& h) {
    return to_hex(h.view());
}

const txm::AttemptView* newest_attempt(const std::vector<txm::IntentView>& views, IntentId id) {
    for (const auto& v : views)
        if (v.id == id && !v.attempts.empty()) return &v.attempts.back();
    return nullptr;
}

/// Private windows the journal shows missed at `nonce` before attempt `before`: the intent's
/// earlier attempts at that nonce that stayed private. Each was superseded because its window
/// passed (or withdrawn with an expired trade); SubmitRequest::missed_windows carries the count,
/// so a restarted fan-out falls back to the public mempool when the operator's count is reached.
std::uint32_t missed_windows_in(const txm::IntentView& view, std::uint64_t nonce, txm::AttemptId before) {
    std::uint32_t n = 0;
    for (const auto& a : view.attempts)
        if (a.id < before && a.nonce == nonce && !a.went_public) ++n;
    return n;
}

/// The fees of an attempt replacing `current`, which went to the public mempool: the node
/// takes it only with both fee fields at least 10% above (txm::replacement_fees; the market's
/// price when higher, never above the cap). Without a quote, the smallest valid bump. An error
/// when even that is above the fee cap.
Expected<txm::Fees, std::string> replacement_at_nonce(const txm::AttemptView& current,
                                                      const Expected<FeeQuote, FeeError>& quote,
                                                      const txm::BumpPolicy& bump) {
    auto fees = quote ? txm::replacement_fees(current.fees, quote->fees, bump) : txm::bump_fees(current.fees, bump);
    if (!fees)
        return Unexpected("the smallest replacement the node accepts of " + short_hash(current.tx_hash) + " (max fee " +
                          to_dec(current.fees.max_fee_per_gas) + ", tip " +
                          to_dec(current.fees.max_priority_fee_per_gas) + ", +" +
                          std::to_string(std::max(bump.min_percent, txm::kNodeReplacementPercent)) +
                          "% on both) is above the fee cap " + to_dec(bump.fee_cap));
    return *fees;
}

}  // namespace

std::string_view to_string(ExecuteOutcome o) noexcept {
    switch (o) {
        case ExecuteOutcome::kSubmitted:
            return "submitted";
        case ExecuteOutcome::kDuplicate:
            return "duplicate";
        case ExecuteOutcome::kSimulationReverted:
            return "simulation reverted";
        case ExecuteOutcome::kDryRun:
            return "dry run";
        case ExecuteOutcome::kRejected:
            return "rejected";
        case ExecuteOutcome::kHalted:
            return "halted";
        case ExecuteOutcome::kError:
            return "error";
    }
    return "unknown";
}

std::string_view to_string(ReplanOutcome o) noexcept {
    switch (o) {
        case ReplanOutcome::kResigned:
            return "resigned";
        case ReplanOutcome::kReleased:
            return "released";
        case ReplanOutcome::kSkipped:
            return "skipped";
    }
    return "unknown";
}

Expected<void, std::string> validate(const ExecutorSettings& s) {
    if (s.chain_id == 0) return Unexpected(std::string("executor.chain_id: must be set"));
    if (s.machine.confirmations == 0)
        return Unexpected(std::string("executor.machine.confirmations: must be at least 1"));
    if (s.machine.bump_after_blocks == 0)
        return Unexpected(std::string("executor.machine.bump_after_blocks: must be at least 1"));
    if (s.machine.bump.fee_cap != s.fees.fee_cap)
        return Unexpected(std::string("executor.machine.bump.fee_cap: must equal fees.fee_cap (one hard cap)"));
    if (s.gas_limit_margin_percent > 400)
        return Unexpected(std::string("executor.gas_limit_margin_percent: must be at most 400"));
    if (s.intent_ttl_seconds == 0) return Unexpected(std::string("executor.intent_ttl_seconds: must be positive"));
    if (s.private_alert_after_windows == 0)
        return Unexpected(std::string("executor.private_alert_after_windows: must be at least 1"));
    if (s.machine.finality != txm::Finality::kDepth && s.machine.finality != txm::Finality::kFinalized)
        return Unexpected(std::string("executor.machine.finality: must be depth or finalized"));
    if (s.reorg_watch_blocks < s.machine.confirmations)
        return Unexpected(std::string("executor.reorg_watch_blocks: must be at least machine.confirmations"));
    return validate(s.fees);
}

Executor::Executor(rpc::EndpointPool& pool, journal::Journal& journal, submit::Submitter& submitter,
                   SecretKey funds_key, ExecutorSettings settings)
    : pool_(pool),
      journal_(journal),
      submitter_(submitter),
      key_(std::move(funds_key)),
      settings_(std::move(settings)),
      sender_(address_of(key_)) {}

// ---- bookkeeping --------------------------------------------------------------------------------

void Executor::crash_if(CrashPoint point) const {
    if (settings_.crash_point == point && point != CrashPoint::kNone) ::_exit(kCrashExitCode);
}

void Executor::alert(std::string kind, IntentId intent, std::string detail) {
    spdlog::warn("executor alert {}: intent {}: {}", kind, intent, detail);
    ++stats_.alerts;
    ++stats_.alerts_by_kind[kind];
    alerts_.push_back(AlertEvent{std::move(kind), intent, std::move(detail)});
    while (alerts_.size() > kMaxAlerts) alerts_.pop_front();
}

void Executor::halt(std::string reason) {
    if (halted_) return;
    halted_ = true;
    halt_reason_ = reason;
    spdlog::error("executor: trading halted: {}", reason);
    if (auto ok = journal_.put_state(kHaltKey, reason, now_unix()); !ok)
        spdlog::error("executor: could not persist the halt: {}", ok.error().message);
}

journal::Result<void> Executor::clear_halt() {
    auto ok = journal_.erase_state(kHaltKey);
    if (!ok) return ok;
    halted_ = false;
    halt_reason_.reset();
    spdlog::warn("executor: halt cleared by the operator");
    return {};
}

void Executor::abandon(IntentId intent, std::string_view why) {
    if (auto ok = journal_.finish_intent(intent, IntentState::kFailed, std::nullopt); !ok)
        spdlog::error("executor: intent {}: could not end it as failed ({}): {}", intent, why, ok.error().message);
}

void Executor::note_chain_nonce(std::uint64_t chain_next, std::optional<std::uint64_t> journal_highest,
                                IntentId intent, std::string_view where) {
    const std::uint64_t journal_next = journal_highest ? *journal_highest + 1 : 0;
    // The first count seen (start) is the baseline: a fresh journal on a key with history is
    // not "ahead"; start() alerts for a journal that holds nonces below the chain's.
    const bool ahead = chain_nonce_seen_ && chain_next > journal_next && chain_next > *chain_nonce_seen_;
    if (!chain_nonce_seen_ || chain_next > *chain_nonce_seen_) chain_nonce_seen_ = chain_next;
    if (!ahead) return;
    ++stats_.nonce_fast_forwards;
    alert("chain_ahead", intent,
          "the key signed transactions the journal does not know (" + std::string(where) + ": chain nonce " +
              std::to_string(chain_next) + ", journal next " + std::to_string(journal_next) +
              "): the next nonce is fast-forwarded to " + std::to_string(chain_next));
}

void Executor::count_gas(IntentId intent, txm::AttemptId attempt) {
    auto cost = head_costs_.find(attempt);
    if (cost == head_costs_.end()) {
        spdlog::warn("executor: intent {} attempt {}: ended without this head's receipt: gas not counted", intent,
                     attempt);
        return;
    }
    auto rec = journal_.intent(intent);
    if (!rec) {
        spdlog::error("executor: intent {}: {}", intent, rec.error().message);
        return;
    }
    stats_.gas_paid_wei[rec->decision.vault] += U256(cost->second.gas_used) * cost->second.effective_gas_price;
    ++stats_.final_receipts;
}

void Executor::refresh() {
    if (auto counts = journal_.count_by_state(settings_.chain_id, sender_)) stats_.intents_by_state = *counts;
    if (auto open = journal_.open_intents(settings_.chain_id, sender_))
        open_ = std::move(*open);
    else
        spdlog::error("executor: reading open intents: {}", open.error().message);
}

ExecutorStats Executor::stats() const {
    ExecutorStats s = stats_;
    s.halted = halted_;
    return s;
}

std::vector<hedge::InFlightHedge> Executor::in_flight(const Address& vault, std::optional<IntentId> exclude) const {
    std::vector<hedge::InFlightHedge> out;
    for (const auto& rec : open_) {
        if (rec.decision.vault != vault || (exclude && rec.id == *exclude) || cancelling_.contains(rec.id)) continue;
        hedge::InFlightHedge h;
        h.buy_underlying = rec.decision.direction == journal::Direction::kBuy;
        h.amount_in = rec.decision.amount_in;
        h.expected_delta_change = h.buy_underlying ? I256(rec.decision.min_amount_out) : -I256(rec.decision.amount_in);
        out.push_back(h);
    }
    return out;
}

// ---- nonces, signing, sending -------------------------------------------------------------------

asio::awaitable<rpc::Result<Executor::NonceState>> Executor::plan_nonce() {
    // Private transactions are invisible to the node's "pending" count: through a private
    // submitter the nonce comes from the journal's reservations and the mined count only.
    const bool read_pending = !submitter_.is_private();
    std::vector<rpc::Call> calls;
    calls.push_back(rpc::eth::get_transaction_count(sender_, rpc::BlockTag::kLatest));
    if (read_pending) calls.push_back(rpc::eth::get_transaction_count(sender_, rpc::BlockTag::kPending));
    auto batch = co_await pool_.batch(std::move(calls));
    if (!batch) co_return Unexpected(std::move(batch).error());
    txm::NonceInputs in;
    for (std::size_t i = 0; i < batch->size() && i < 2; ++i) {
        const rpc::Response& r = (*batch)[i];
        if (!r) co_return Unexpected(rpc::from_rpc(r.error()));
        auto n = rpc::decode_u64(*r, "result");
        if (!n) co_return Unexpected(rpc::from_codec(n.error(), rpc::Errc::kBadResult));
        (i == 0 ? in.chain_latest : in.chain_pending) = *n;
    }
    if (!read_pending) in.chain_pending = in.chain_latest;
    auto highest = journal_.highest_nonce(settings_.chain_id, sender_);
    if (!highest) co_return Unexpected(rpc::make_error(rpc::Errc::kBadResult, highest.error().message));
    auto open = journal_.open_nonces(settings_.chain_id, sender_);
    if (!open) co_return Unexpected(rpc::make_error(rpc::Errc::kBadResult, open.error().message));
    in.journal_highest = *highest;
    in.journal_open = std::move(*open);
    const txm::NoncePlan plan = txm::plan_nonce(in);
    co_return NonceState{plan.next, plan.chain_ahead, in.chain_latest, plan.gaps, in.journal_highest};
}

asio::awaitable<Expected<Executor::Sent, std::string>> Executor::sign_and_send(
    IntentId intent, AttemptKind kind, std::uint64_t nonce, const txm::Fees& fees, const journal::TxPayload& payload,
    const rpc::BlockHeader& head, CrashPoint after_journal) {
    UnsignedTransaction tx;
    tx.type = TransactionType::kDynamicFee;
    tx.chain_id = settings_.chain_id;
    tx.nonce = nonce;
    tx.max_fee_per_gas = fees.max_fee_per_gas;
    tx.max_priority_fee_per_gas = fees.max_priority_fee_per_gas;
    if (kind == AttemptKind::kCancel) {
        tx.gas_limit = kTransferGas;
        tx.to = sender_;
    } else {
        tx.gas_limit = payload.gas_limit;
        tx.to = payload.to;
        tx.value = payload.value;
        tx.data = payload.data;
    }
    auto stx = sign(tx, key_);
    if (!stx) co_return Unexpected("signing failed: " + std::string(to_string(stx.error())));
    auto attempt = journal_.insert_attempt(intent, kind, *stx, now_unix());
    if (!attempt) co_return Unexpected("journal: " + attempt.error().message);
    if (kind == AttemptKind::kCancel) cancelling_.insert(intent);
    crash_if(after_journal);

    Sent sent;
    sent.attempt = *attempt;
    submit::SubmitRequest req;
    req.raw = stx->encode();
    req.tx_hash = stx->hash();
    req.nonce = nonce;
    req.head_number = head.number;
    if (auto view = journal_.intent_view(intent)) req.missed_windows = missed_windows_in(*view, nonce, sent.attempt);
    // A private window never outlives the swap's deadline (a cancel has none: the channel's window).
    if (kind == AttemptKind::kIntent) {
        if (auto rec = journal_.intent(intent); rec && rec->decision.deadline != 0)
            req.seconds_to_deadline = rec->decision.deadline > head.timestamp ? rec->decision.deadline - head.timestamp : 1;
    }
    sent.tx_hash = req.tx_hash;
    sent.result = co_await submitter_.submit(req);
    ++stats_.sent;
    spdlog::info("executor: intent {} attempt {} ({}) nonce {} max_fee {} tip {} tx {}: {}{}{}", intent, sent.attempt,
                 kind == AttemptKind::kCancel ? "cancel" : "trade", nonce, to_dec(fees.max_fee_per_gas),
                 to_dec(fees.max_priority_fee_per_gas), short_hash(sent.tx_hash), to_string(sent.result.status),
                 sent.result.detail.empty() ? "" : ": ", sent.result.detail);
    // A refusal (e.g. "max fee per gas less than block base fee") is journaled as a send the
    // node dropped at once: the bump delay starts now and the state machine replaces it with
    // higher fees, instead of re-sending bytes the node refuses.
    if (sent.result.status != submit::SubmitStatus::kUnavailable) {
        if (sent.result.status == submit::SubmitStatus::kAccepted) crash_if(CrashPoint::kAfterSend);
        if (auto ok = journal_.mark_broadcast(sent.attempt, head.number, !submitter_.sent_privately(sent.tx_hash)); !ok)
            spdlog::error("executor: attempt {}: journaling the broadcast: {}", sent.attempt, ok.error().message);
        crash_if(CrashPoint::kAfterBroadcast);
    }
    co_return sent;
}

// ---- start ----------------------------------------------------------------------------------------

asio::awaitable<rpc::Result<void>> Executor::start(const rpc::BlockHeader& head) {
    auto halt_state = journal_.get_state(kHaltKey);
    if (!halt_state) co_return Unexpected(rpc::make_error(rpc::Errc::kBadResult, halt_state.error().message));
    if (*halt_state) {
        halted_ = true;
        halt_reason_ = **halt_state;
        spdlog::error("executor: trading halted since an earlier run: {} (clear it to trade again)", **halt_state);
    }

    // Realized gas cost so far: every receipt that ended an intent, counted once.
    auto paid = journal_.gas_paid(settings_.chain_id, sender_);
    if (!paid) co_return Unexpected(rpc::make_error(rpc::Errc::kBadResult, paid.error().message));
    stats_.gas_paid_wei.clear();
    stats_.final_receipts = 0;
    for (const journal::GasPaid& g : *paid) {
        stats_.gas_paid_wei[g.vault] = g.wei;
        stats_.final_receipts += g.receipts;
    }

    // EIP-1898: does the node read state at a block hash? (A refusal of the hash form itself,
    // not of this block, switches the per-head reads to block numbers.)
    {
        const rpc::BlockRef at = rpc::BlockHashRef{head.hash, true};
        rpc::Call probe_call = rpc::eth::get_transaction_count(sender_, at);
        auto probe = co_await pool_.call(std::move(probe_call));
        if (!probe && probe.error().code == rpc::Errc::kRpc && probe.error().rpc &&
            chain::rejects_block_hash_param(*probe.error().rpc)) {
            by_hash_ = false;
            spdlog::warn("executor: the node rejects EIP-1898 block hash parameters ({}); the per-head nonce count is "
                         "read by block NUMBER, which a reorg can resolve to another block",
                         probe.error().rpc->describe());
        }
    }

    auto nonces = co_await plan_nonce();
    if (!nonces) co_return Unexpected(std::move(nonces).error());
    if (nonces->chain_ahead && nonces->journal_highest) {
        ++stats_.nonce_fast_forwards;
        alert("chain_ahead", 0,
              "the key signed transactions the journal does not know (chain nonce " + std::to_string(nonces->next) +
                  ", journal next " + std::to_string(*nonces->journal_highest + 1) + "): fast-forwarded");
    }
    chain_nonce_seen_ = std::max(nonces->chain_latest, nonces->next);
    if (!nonces->gaps.empty()) co_await fill_gaps(nonces->gaps, head);
    co_await on_head(head);
    co_return rpc::Result<void>{};
}

asio::awaitable<void> Executor::fill_gaps(const std::vector<std::uint64_t>& gaps, const rpc::BlockHeader& head) {
    auto quote = co_await fetch_fees(pool_, settings_.fees);
    if (!quote) {
        alert("unpriceable", 0, "cannot fill nonce gaps: " + quote.error().message);
        co_return;
    }
    for (std::uint64_t nonce : gaps) {
        auto filler = journal_.create_gap_filler(settings_.chain_id, sender_, nonce, now_unix());
        if (!filler) {
            spdlog::error("executor: nonce gap {}: {}", nonce, filler.error().message);
            continue;
        }
        if (filler->state != IntentState::kCreated || !filler->payload) continue;  // already signed earlier
        auto sent = co_await sign_and_send(filler->id, AttemptKind::kCancel, nonce, quote->fees, *filler->payload,
                                           head);
        if (!sent) {
            spdlog::error("executor: nonce gap {}: {}", nonce, sent.error());
            continue;
        }
        ++stats_.gap_fills;
        alert("gap_filled", filler->id,
              "nonce " + std::to_string(nonce) + " was never used: filled with a no-op self-transfer " +
                  short_hash(sent->tx_hash));
    }
}

asio::awaitable<void> Executor::fill_runtime_gaps(std::uint64_t mined, const rpc::BlockHeader& head) {
    auto highest = journal_.highest_nonce(settings_.chain_id, sender_);
    if (!highest) {
        spdlog::error("executor: reading the journal's highest nonce: {}", highest.error().message);
        co_return;
    }
    if (!*highest || **highest < mined) co_return;  // every reserved nonce is mined: no gap possible
    auto open = journal_.open_nonces(settings_.chain_id, sender_);
    if (!open) {
        spdlog::error("executor: reading open nonces: {}", open.error().message);
        co_return;
    }
    txm::NonceInputs in;
    in.journal_highest = *highest;
    in.journal_open = std::move(*open);
    in.chain_latest = mined;
    in.chain_pending = mined;
    const txm::NoncePlan plan = txm::plan_nonce(in);
    if (plan.gaps.empty()) co_return;
    spdlog::warn("executor: head {}: {} nonce gap(s) below the journal's highest nonce {} (lowest {}): filling", head.number,
                 plan.gaps.size(), **highest, plan.gaps.front());
    co_await fill_gaps(plan.gaps, head);
}

// ---- execute --------------------------------------------------------------------------------------

asio::awaitable<ExecuteResult> Executor::execute(const hedge::HedgePlan& plan, const Address& vault,
                                                 const rpc::BlockHeader& head) {
    ExecuteResult res;
    if (halted_) {
        res.outcome = ExecuteOutcome::kHalted;
        res.detail = "trading halted: " + halt_reason_.value_or("unknown reason");
        co_return res;
    }
    if (plan.reason != hedge::PlanReason::kTrade || !plan.trade) {
        res.detail = "plan carries no trade (" + std::string(hedge::to_string(plan.reason)) + ")";
        co_return res;
    }
    if (plan.idempotency_key.empty()) {
        res.detail = "plan has no idempotency key";
        co_return res;
    }
    const hedge::RebalanceParams& trade = *plan.trade;
    if (trade.deadline <= head.timestamp) {
        res.outcome = ExecuteOutcome::kRejected;
        res.detail = "trade deadline " + std::to_string(trade.deadline) + " is not after the head's timestamp " +
                     std::to_string(head.timestamp);
        co_return res;
    }
    const Bytes calldata = chain::encode_rebalance(trade);

    std::optional<IntentId> id;
    if (!settings_.dry_run) {
        journal::NewIntent in;
        in.idempotency_key = plan.idempotency_key;
        in.chain_id = settings_.chain_id;
        in.sender = sender_;
        in.decision.vault = vault;
        in.decision.direction = trade.buy_underlying ? journal::Direction::kBuy : journal::Direction::kSell;
        in.decision.amount_in = trade.amount_in;
        in.decision.min_amount_out = trade.min_amount_out;
        in.decision.deadline = std::min(trade.deadline, head.timestamp + settings_.intent_ttl_seconds);
        in.created_at = now_unix();
        auto created = journal_.create_intent(in);
        if (!created) {
            res.detail = "journal: " + created.error().message;
            co_return res;
        }
        res.intent = created->intent.id;
        if (!created->inserted) {
            ++stats_.duplicates;
            res.outcome = ExecuteOutcome::kDuplicate;
            res.detail = "decision " + plan.idempotency_key + " already journaled as intent " +
                         std::to_string(created->intent.id) + " (" + std::string(to_string(created->intent.state)) +
                         ")";
            res.nonce = created->intent.nonce;
            if (auto view = journal_.intent_view(created->intent.id); view && !view->attempts.empty())
                res.tx_hash = view->attempts.back().tx_hash;
            co_return res;
        }
        id = created->intent.id;
    }

    // Simulate at "pending": on top of our own transactions still in the mempool.
    rpc::CallRequest req;
    req.from = sender_;
    req.to = vault;
    req.data = calldata;
    auto sim = co_await pool_.call(rpc::eth::call(req, rpc::BlockTag::kPending));
    if (sim) {
        auto gas = co_await pool_.call_as(rpc::eth::estimate_gas(req), rpc::decode_u64);
        if (gas) {
            res.gas_estimate = *gas;
        } else {
            sim = Unexpected(std::move(gas).error());
        }
    }
    if (!sim) {
        const rpc::Error& e = sim.error();
        if (e.code == rpc::Errc::kRpc && e.rpc && e.rpc->is_revert()) {
            ++stats_.simulation_reverts;
            res.outcome = ExecuteOutcome::kSimulationReverted;
            res.detail = "simulation reverted: " + chain::describe_revert(e.rpc->revert_data().value_or(Bytes{}));
        } else {
            res.detail = "simulation failed: " + e.describe();
        }
        if (id) abandon(*id, res.detail);
        refresh();
        co_return res;
    }
    const std::uint64_t gas_limit = res.gas_estimate * (100 + settings_.gas_limit_margin_percent) / 100;

    auto quote = co_await fetch_fees(pool_, settings_.fees);
    if (!quote) {
        res.outcome = quote.error().code == FeeErrc::kRpc ? ExecuteOutcome::kError : ExecuteOutcome::kRejected;
        res.detail = quote.error().message;
        if (id) abandon(*id, res.detail);
        refresh();
        co_return res;
    }
    res.fees = quote->fees;
    if (settings_.dry_run) {
        res.outcome = ExecuteOutcome::kDryRun;
        res.detail = "dry run: simulated, gas " + std::to_string(res.gas_estimate) + ", max fee " +
                     to_dec(res.fees.max_fee_per_gas);
        co_return res;
    }

    journal::TxPayload payload{vault, calldata, U256(0), gas_limit};
    if (auto ok = journal_.set_payload(*id, payload); !ok) {
        res.detail = "journal: " + ok.error().message;
        abandon(*id, res.detail);
        refresh();
        co_return res;
    }
    auto nonces = co_await plan_nonce();
    if (!nonces) {
        res.detail = "nonce: " + nonces.error().describe();
        abandon(*id, res.detail);
        refresh();
        co_return res;
    }
    if (nonces->chain_ahead) note_chain_nonce(nonces->next, nonces->journal_highest, *id, "before a trade");
    if (auto ok = journal_.reserve_nonce(*id, nonces->next); !ok) {
        res.detail = "journal: " + ok.error().message;
        abandon(*id, res.detail);
        refresh();
        co_return res;
    }
    res.nonce = nonces->next;
    crash_if(CrashPoint::kAfterReserveNonce);

    auto sent = co_await sign_and_send(*id, AttemptKind::kIntent, nonces->next, res.fees, payload, head);
    if (!sent) {
        // Nothing journaled as signed: the state machine signs it again at the next head.
        res.detail = sent.error();
        refresh();
        co_return res;
    }
    ++stats_.executed;
    res.tx_hash = sent->tx_hash;
    switch (sent->result.status) {
        case submit::SubmitStatus::kAccepted:
            res.outcome = ExecuteOutcome::kSubmitted;
            res.detail = "accepted by " + std::string(submitter_.name());
            break;
        case submit::SubmitStatus::kUnavailable:
            res.outcome = ExecuteOutcome::kSubmitted;
            res.detail = "journaled; the send is retried with the same bytes: " + sent->result.detail;
            break;
        case submit::SubmitStatus::kRejected:
            res.outcome = ExecuteOutcome::kRejected;
            res.detail = "submitter refused it: " + sent->result.detail;
            break;
    }
    refresh();
    co_return res;
}

// ---- on_head --------------------------------------------------------------------------------------

asio::awaitable<void> Executor::on_head(const rpc::BlockHeader& head) {
    awaiting_.clear();  // rebuilt below from this head's picture
    co_await submitter_.on_head(head.number);
    auto views = journal_.in_flight(settings_.chain_id, sender_);
    if (!views) {
        spdlog::error("executor: reading intents in flight: {}", views.error().message);
        co_return;
    }
    cancelling_.clear();
    for (const auto& v : *views)
        if (!v.attempts.empty() && v.attempts.back().kind == AttemptKind::kCancel) cancelling_.insert(v.id);
    const std::uint64_t from =
        head.number > settings_.reorg_watch_blocks ? head.number - settings_.reorg_watch_blocks : 0;
    auto ended = journal_.ended_since(settings_.chain_id, sender_, from);
    if (!ended) {
        spdlog::error("executor: reading ended intents: {}", ended.error().message);
        co_return;
    }
    const bool tracking = !views->empty() || !ended->empty();

    // One batch, one round trip, everything pinned to this head (see the file comment): the
    // nonce count at the head's block hash first, the finalized block, then per attempt its
    // receipt and, for an attempt that went to the public mempool (submitter.sent_privately()
    // false), eth_getTransactionByHash; a private attempt's "known" comes from the submitter.
    // With a submitter that routes per send (the fan-out's public fallback) the calls per
    // attempt differ, so every attempt records where its answers are.
    const rpc::BlockRef at = by_hash_ ? rpc::BlockRef(rpc::BlockHashRef{head.hash, true}) : rpc::BlockRef(head.number);
    const bool read_finalized = tracking && settings_.machine.finality == txm::Finality::kFinalized;
    struct Read {
        Hash32 tx_hash;
        txm::AttemptId attempt{0};
        std::size_t receipt{0};         // batch index of eth_getTransactionReceipt
        std::optional<std::size_t> tx;  // batch index of eth_getTransactionByHash (public attempts)
    };
    std::vector<rpc::Call> calls;
    calls.push_back(rpc::eth::get_transaction_count(sender_, at));
    if (read_finalized) calls.push_back(rpc::eth::get_block_by_number(rpc::BlockTag::kFinalized));
    std::vector<Read> reads;
    for (const auto* list : {&*views, &*ended})
        for (const auto& v : *list)
            for (const auto& a : v.attempts) {
                Read r;
                r.tx_hash = a.tx_hash;
                r.attempt = a.id;
                r.receipt = calls.size();
                calls.push_back(rpc::eth::get_transaction_receipt(a.tx_hash));
                if (went_public(a)) {
                    r.tx = calls.size();
                    calls.push_back(submit::get_transaction_by_hash(a.tx_hash));
                }
                reads.push_back(r);
            }
    const std::size_t n_calls = calls.size();
    auto batch = co_await pool_.batch(std::move(calls));
    if (!batch) {
        spdlog::warn("executor: head {}: chain read failed, retrying next head: {}", head.number,
                     batch.error().describe());
        co_return;
    }
    if (batch->size() != n_calls) {
        spdlog::warn("executor: head {}: the node answered {} of {} calls, retrying next head", head.number,
                     batch->size(), n_calls);
        co_return;
    }
    const rpc::Response& nonce_response = (*batch)[0];
    if (!nonce_response) {
        // By hash: the head is no longer canonical (a reorg) or unknown to this node.
        spdlog::warn("executor: head {} {}: nonce count unreadable{}, retrying next head: {}", head.number,
                     short_hash(head.hash), by_hash_ ? " (block not canonical or unknown to the node: reorged?)" : "",
                     nonce_response.error().describe());
        co_return;
    }
    auto mined_nonces = rpc::decode_u64(*nonce_response, "result");
    if (!mined_nonces) {
        spdlog::warn("executor: head {}: bad nonce count: {}", head.number, mined_nonces.error().message);
        co_return;
    }
    if (auto highest = journal_.highest_nonce(settings_.chain_id, sender_))
        note_chain_nonce(*mined_nonces, *highest, 0, "head " + std::to_string(head.number));
    else
        spdlog::error("executor: reading the journal's highest nonce: {}", highest.error().message);

    txm::ChainObservation obs;
    obs.head_number = head.number;
    obs.head_timestamp = head.timestamp;
    obs.sender_latest_nonce = *mined_nonces;
    if (read_finalized) {
        const rpc::Response& fin = (*batch)[1];
        if (!fin) {
            spdlog::warn("executor: head {}: node error reading the finalized block: {}", head.number,
                         fin.error().describe());
            co_return;
        }
        auto block = rpc::decode_nullable(*fin, "result", [](const rpc::Json& j, std::string_view path) {
            return rpc::decode_block_header(j, path);
        });
        if (!block) {
            spdlog::warn("executor: head {}: bad finalized block: {}", head.number, block.error().message);
            co_return;
        }
        // Never past the head: a node that moved on meanwhile finalizes nothing beyond what we see.
        if (*block) obs.finalized_number = std::min((*block)->number, head.number);
    }
    head_costs_.clear();
    for (const Read& read : reads) {
        const rpc::Response& receipt = (*batch)[read.receipt];
        if (!receipt) {
            // A partial picture could read as "dropped" or "reorged": wait for a complete one.
            spdlog::warn("executor: head {}: node error reading the receipt of {}: {}", head.number,
                         short_hash(read.tx_hash), receipt.error().describe());
            co_return;
        }
        txm::TxObservation o;
        if (read.tx) {
            const rpc::Response& tx = (*batch)[*read.tx];
            if (!tx) {
                spdlog::warn("executor: head {}: node error reading tx {}: {}", head.number, short_hash(read.tx_hash),
                             tx.error().describe());
                co_return;
            }
            o.known = !tx->is_null();
        }
        if (!receipt->is_null()) {
            auto rc = rpc::decode_receipt(*receipt, "result");
            if (!rc) {
                spdlog::warn("executor: head {}: bad receipt for {}: {}", head.number, short_hash(read.tx_hash),
                             rc.error().message);
                co_return;
            }
            o.known = true;
            if (rc->block_number <= head.number) {
                o.receipt = txm::ReceiptRecord{rc->block_number, rc->block_hash, rc->status};
                head_costs_[read.attempt] = journal::GasCost{rc->gas_used, rc->effective_gas_price};
            } else {
                // Mined after this head: the nonce count above does not include it yet. It is
                // seen with the head that includes it.
                spdlog::debug("executor: head {}: {} mined in block {}, above the head: not seen yet", head.number,
                              short_hash(read.tx_hash), rc->block_number);
            }
        }
        obs.txs[read.tx_hash] = std::move(o);
    }

    // Per intent, by its newest attempt: one that went to the public mempool follows the public
    // state machine (known = the node's answer above: bumped once stuck bump_after_blocks,
    // dropped bytes re-sent, an expired trade replaced by a cancel, every replacement under the
    // node's rule); one held by a private channel follows its window (private_actions). An
    // intent with nothing signed yet follows the submitter's default.
    auto tracked_privately = [&](const txm::IntentView& v) {
        return v.attempts.empty() ? submitter_.is_private() : !went_public(v.attempts.back());
    };
    // "Known" for a private newest attempt = a relay still holds it and its window is open.
    for (const auto& v : *views) {
        if (v.attempts.empty() || !tracked_privately(v)) continue;
        txm::TxObservation& o = obs.txs[v.attempts.back().tx_hash];
        if (o.receipt) continue;
        const submit::Visibility vis = co_await submitter_.visibility(v.attempts.back().tx_hash, head.number);
        o.known = vis == submit::Visibility::kPending;
        if (!o.known)
            spdlog::info("executor: intent {} attempt {} through {}: {} at head {}", v.id, v.attempts.back().id,
                         submitter_.name(), to_string(vis), head.number);
    }
    std::vector<txm::Action> actions;
    for (const auto& v : *views) {
        std::vector<txm::Action> own = txm::evaluate(v, obs, settings_.machine);
        if (tracked_privately(v)) {
            bool pending = false;
            if (!v.attempts.empty()) {
                auto it = obs.txs.find(v.attempts.back().tx_hash);
                pending = it != obs.txs.end() && it->second.known && !it->second.receipt;
            }
            own = private_actions(v, std::move(own), pending, head.timestamp);
        }
        actions.insert(actions.end(), std::make_move_iterator(own.begin()), std::make_move_iterator(own.end()));
    }
    co_await confirm_nonce_lost(actions, *views, head);
    std::vector<txm::Action> deep = txm::evaluate(*ended, obs, settings_.machine);
    actions.insert(actions.end(), std::make_move_iterator(deep.begin()), std::make_move_iterator(deep.end()));
    for (const txm::Action& action : actions) co_await apply(action, *views, head);
    if (!halted_) co_await fill_runtime_gaps(*mined_nonces, head);
    // Trades whose private window passed: the vault and revision the keeper re-plans from.
    for (auto it = awaiting_.begin(); it != awaiting_.end();) {
        auto rec = journal_.intent(it->intent);
        if (!rec) {
            spdlog::error("executor: intent {}: {}", it->intent, rec.error().message);
            it = awaiting_.erase(it);
            continue;
        }
        it->vault = rec->decision.vault;
        it->revision = rec->revision;
        spdlog::info("executor: intent {} nonce {} revision {}: private window missed ({} so far), awaiting re-plan",
                     it->intent, it->nonce, it->revision, it->missed_windows);
        ++it;
    }
    std::sort(awaiting_.begin(), awaiting_.end(),
              [](const ReplanRequest& a, const ReplanRequest& b) { return a.nonce < b.nonce; });
    refresh();
}

asio::awaitable<void> Executor::confirm_nonce_lost(std::vector<txm::Action>& actions,
                                                  const std::vector<txm::IntentView>& views,
                                                  const rpc::BlockHeader& head) {
    // "Nonce consumed elsewhere" ends an intent for good, so it is confirmed by a second read:
    // a node can report the state of a block (the nonce count) a moment before it serves that
    // block's receipts (anvil's automine does). Receipts read after the nonce count cannot miss
    // a transaction of ours that the count includes.
    std::set<IntentId> lost;
    for (const txm::Action& a : actions)
        if (const auto* al = std::get_if<txm::Alert>(&a); al && al->kind == txm::AlertKind::kNonceConsumedElsewhere)
            lost.insert(al->intent);
    if (lost.empty()) co_return;
    std::vector<rpc::Call> calls;
    std::vector<IntentId> owner;
    for (const auto& v : views) {
        if (!lost.contains(v.id)) continue;
        for (const auto& a : v.attempts) {
            calls.push_back(rpc::eth::get_transaction_receipt(a.tx_hash));
            owner.push_back(v.id);
        }
    }
    if (calls.empty()) co_return;  // nothing of ours was ever signed at that nonce
    const std::size_t n_calls = calls.size();
    auto batch = co_await pool_.batch(std::move(calls));
    std::set<IntentId> keep_open;
    if (!batch || batch->size() != n_calls) {
        keep_open = lost;  // unconfirmed: decided at the next head
    } else {
        for (std::size_t i = 0; i < n_calls; ++i) {
            const rpc::Response& r = (*batch)[i];
            if (!r || !r->is_null()) keep_open.insert(owner[i]);  // an error, or a receipt after all
        }
    }
    if (keep_open.empty()) co_return;
    for (IntentId id : keep_open)
        spdlog::info("executor: head {}: intent {}: its nonce is mined but its receipt was not served with the "
                     "nonce count; decided again at the next head",
                     head.number, id);
    std::erase_if(actions, [&](const txm::Action& a) {
        if (const auto* m = std::get_if<txm::MarkFinal>(&a)) return keep_open.contains(m->intent);
        if (const auto* al = std::get_if<txm::Alert>(&a)) return keep_open.contains(al->intent);
        return false;
    });
}

std::vector<ReplanRequest> Executor::awaiting_replan() const {
    return awaiting_;
}

std::vector<ReplanRequest> Executor::awaiting_replan(const Address& vault) const {
    std::vector<ReplanRequest> out;
    for (const auto& r : awaiting_)
        if (r.vault == vault) out.push_back(r);
    return out;
}

std::vector<txm::Action> Executor::private_actions(const txm::IntentView& view, std::vector<txm::Action> actions,
                                                  bool newest_pending, std::uint64_t head_timestamp) {
    if (view.attempts.empty() || txm::is_terminal(view.state)) return actions;
    const txm::AttemptView& newest = view.attempts.back();
    // A trade whose window passed is re-planned by the keeper (replan()), never re-signed as it
    // was; while trading is halted nothing is re-planned and its nonce is released by a cancel.
    const bool replan_trade = newest.kind == AttemptKind::kIntent && !halted_;
    const bool expired_trade = head_timestamp > view.deadline && newest.kind == AttemptKind::kIntent;
    const bool as_cancel = expired_trade || newest.kind == AttemptKind::kCancel || halted_;
    std::vector<txm::Action> out;
    bool resign = false;
    bool awaiting = false;
    for (txm::Action& a : actions) {
        if (const auto* b = std::get_if<txm::Broadcast>(&a); b && b->reason == txm::BroadcastReason::kDropped) {
            // The window passed (or the relay failed / cancelled / forgot it): the same bytes
            // cannot be trusted to land.
            resign = true;
            if (replan_trade)
                awaiting = true;
            else if (as_cancel)
                out.emplace_back(txm::SignCancel{view.id, newest.nonce, newest.fees});
            else
                out.emplace_back(txm::SignReplacement{view.id, newest.nonce, newest.fees});
            continue;
        }
        if (const auto* al = std::get_if<txm::Alert>(&a);
            al && (al->kind == txm::AlertKind::kDropped || al->kind == txm::AlertKind::kFeeCapReached))
            continue;  // not a mempool drop, and no bump rule: fresh fees under the oracle's cap
        const bool is_cancel = std::holds_alternative<txm::SignCancel>(a);
        if (is_cancel || std::holds_alternative<txm::SignReplacement>(a)) {
            // A relay still holding it: no bump, wait for the window (an expired trade is
            // still cancelled at once).
            if (newest_pending && !(expired_trade && is_cancel)) continue;
            if (!newest_pending) {
                resign = true;
                if (replan_trade) {
                    awaiting = true;
                    continue;
                }
                if (as_cancel && !is_cancel) {
                    out.emplace_back(txm::SignCancel{view.id, newest.nonce, newest.fees});
                    continue;
                }
            }
        }
        out.push_back(std::move(a));
    }
    if (awaiting) awaiting_.push_back(ReplanRequest{view.id, Address{}, newest.nonce, 0, view.attempts.size()});
    if (resign) {
        const auto missed = view.attempts.size();
        if (missed >= settings_.private_alert_after_windows && private_missed_alerted_.insert(view.id).second)
            alert("private_window_missed", view.id,
                  std::to_string(missed) + " private windows through " + std::string(submitter_.name()) +
                      " passed without inclusion at nonce " + std::to_string(newest.nonce) +
                      (replan_trade ? ": re-planning at that nonce" : ": still re-signing at that nonce"));
    }
    return out;
}

asio::awaitable<void> Executor::apply(const txm::Action& action, const std::vector<txm::IntentView>& views,
                                      const rpc::BlockHeader& head) {
    if (const auto* a = std::get_if<txm::SignIntent>(&action)) {
        co_await sign_new(a->intent, head);
    } else if (const auto* b = std::get_if<txm::Broadcast>(&action)) {
        const txm::AttemptView* journaled = nullptr;
        std::uint32_t missed = 0;
        for (const auto& v : views)
            for (const auto& at : v.attempts)
                if (at.id == b->attempt) {
                    journaled = &at;
                    missed = missed_windows_in(v, at.nonce, at.id);
                }
        co_await resend(b->attempt, b->raw, b->reason, journaled != nullptr && journaled->went_public, missed, head);
    } else if (const auto* r = std::get_if<txm::SignReplacement>(&action)) {
        co_await sign_again(r->intent, AttemptKind::kIntent, r->nonce, views, head);
    } else if (const auto* c = std::get_if<txm::SignCancel>(&action)) {
        co_await sign_again(c->intent, AttemptKind::kCancel, c->nonce, views, head);
    } else if (const auto* rr = std::get_if<txm::RecordReceipt>(&action)) {
        std::optional<journal::GasCost> cost;
        if (auto it = head_costs_.find(rr->attempt); it != head_costs_.end()) cost = it->second;
        if (auto ok = journal_.record_receipt(rr->attempt, rr->receipt, cost); !ok)
            spdlog::error("executor: attempt {}: recording receipt: {}", rr->attempt, ok.error().message);
        else
            spdlog::info("executor: attempt {} mined in block {} ({})", rr->attempt, rr->receipt.block_number,
                         rr->receipt.status ? "success" : "reverted");
    } else if (const auto* f = std::get_if<txm::ForgetReceipt>(&action)) {
        ++stats_.receipts_reorged;
        if (auto ok = journal_.forget_receipt(f->attempt); !ok)
            spdlog::error("executor: attempt {}: forgetting receipt: {}", f->attempt, ok.error().message);
    } else if (const auto* m = std::get_if<txm::MarkFinal>(&action)) {
        if (auto ok = journal_.finish_intent(m->intent, m->outcome, m->attempt); !ok) {
            spdlog::error("executor: intent {}: ending as {}: {}", m->intent, to_string(m->outcome), ok.error().message);
        } else {
            spdlog::info("executor: intent {} {}", m->intent, to_string(m->outcome));
            if (m->attempt) count_gas(m->intent, *m->attempt);
        }
    } else if (const auto* h = std::get_if<txm::Halt>(&action)) {
        halt(std::string(to_string(h->reason)) + " (intent " + std::to_string(h->intent) + ")");
    } else if (const auto* al = std::get_if<txm::Alert>(&action)) {
        // A reorg past finality stays visible at every head: alert once per intent.
        if (al->kind == txm::AlertKind::kDeepReorg && !deep_reorg_alerted_.insert(al->intent).second) co_return;
        alert(std::string(alert_token(al->kind)), al->intent, std::string(to_string(al->kind)));
    }
}

asio::awaitable<void> Executor::sign_new(IntentId intent, const rpc::BlockHeader& head) {
    if (halted_) co_return;  // no new trade while halted; replacements of sent ones go on
    auto rec = journal_.intent(intent);
    if (!rec) {
        spdlog::error("executor: intent {}: {}", intent, rec.error().message);
        co_return;
    }
    if (!rec->payload) {
        // Created but never priced (a crash before the gas estimate): the decision is stale.
        abandon(intent, "never priced");
        alert("abandoned", intent, "journaled before it was simulated and priced: ended as failed, not traded");
        co_return;
    }
    auto quote = co_await fetch_fees(pool_, settings_.fees);
    if (!quote) {
        spdlog::warn("executor: intent {}: not signed this head: {}", intent, quote.error().message);
        co_return;
    }
    std::uint64_t nonce = 0;
    if (rec->nonce) {
        nonce = *rec->nonce;
    } else {
        auto nonces = co_await plan_nonce();
        if (!nonces) {
            spdlog::warn("executor: intent {}: nonce: {}", intent, nonces.error().describe());
            co_return;
        }
        nonce = nonces->next;
        if (auto ok = journal_.reserve_nonce(intent, nonce); !ok) {
            spdlog::error("executor: intent {}: reserving nonce: {}", intent, ok.error().message);
            co_return;
        }
    }
    auto sent = co_await sign_and_send(intent, AttemptKind::kIntent, nonce, quote->fees, *rec->payload, head);
    if (!sent) spdlog::error("executor: intent {}: {}", intent, sent.error());
}

asio::awaitable<void> Executor::sign_again(IntentId intent, AttemptKind kind, std::uint64_t nonce,
                                           const std::vector<txm::IntentView>& views, const rpc::BlockHeader& head) {
    auto rec = journal_.intent(intent);
    if (!rec) {
        spdlog::error("executor: intent {}: {}", intent, rec.error().message);
        co_return;
    }
    if (kind == AttemptKind::kIntent && !rec->payload) {
        spdlog::error("executor: intent {}: no payload journaled: cannot re-sign it", intent);
        co_return;
    }
    txm::Fees fees;
    const txm::AttemptView* current = newest_attempt(views, intent);
    // Priced by where the attempt it replaces is, per attempt (a private submitter's fallback may
    // have sent it publicly): in the public mempool the node holds those bytes and takes a
    // replacement only under its rule; a private one is held by no mempool.
    const bool current_public = current != nullptr && went_public(*current);
    auto quote = co_await fetch_fees(pool_, settings_.fees);
    if (current_public) {
        auto replacement = replacement_at_nonce(*current, quote, settings_.machine.bump);
        if (!replacement) {
            alert("fee_cap_reached", intent,
                  "cannot replace at nonce " + std::to_string(nonce) + ": " + replacement.error());
            co_return;
        }
        fees = *replacement;
    } else {
        // Private (no mempool holds the old bytes) or nothing signed at this nonce yet (a
        // reserved nonce released by a cancel): no replacement rule, the fee oracle's price.
        if (!quote) {
            alert("unpriceable", intent,
                  "cannot sign at nonce " + std::to_string(nonce) + ": " + quote.error().message);
            co_return;
        }
        fees = quote->fees;
        if (kind == AttemptKind::kCancel && current && current->kind == AttemptKind::kIntent) {
            // Withdraw the trade where the channel allows; the cancel still consumes the nonce.
            const Hash32 old_hash = current->tx_hash;
            const bool withdrawn = co_await submitter_.cancel(old_hash);
            spdlog::info("executor: intent {}: trade {} {} at {}", intent, short_hash(old_hash),
                         withdrawn ? "withdrawn" : "not withdrawable", submitter_.name());
        }
    }
    const journal::TxPayload payload = rec->payload.value_or(journal::TxPayload{});
    auto sent = co_await sign_and_send(intent, kind, nonce, fees, payload, head);
    if (!sent) {
        spdlog::error("executor: intent {}: {}", intent, sent.error());
        co_return;
    }
    if (kind == AttemptKind::kCancel)
        ++stats_.cancelled;
    else if (current_public)
        ++stats_.bumped;
    else
        ++stats_.resigned_private;
}

asio::awaitable<void> Executor::resend(txm::AttemptId attempt, const Bytes& raw, txm::BroadcastReason reason,
                                       bool journaled_public, std::uint32_t missed_windows,
                                       const rpc::BlockHeader& head) {
    submit::SubmitRequest req;
    req.raw = raw;
    req.tx_hash = keccak256(ByteView(raw));
    req.head_number = head.number;
    req.went_public = journaled_public;  // the public way again, also after a restart
    if (auto decoded = SignedTransaction::decode(ByteView(raw))) req.nonce = decoded->nonce;
    req.missed_windows = missed_windows;
    const submit::SubmitResult result = co_await submitter_.submit(req);
    ++stats_.rebroadcast;
    spdlog::info("executor: attempt {} re-sent ({}), same bytes, tx {}: {}{}{}", attempt, to_string(reason),
                 short_hash(req.tx_hash), to_string(result.status), result.detail.empty() ? "" : ": ", result.detail);
    if (result.status == submit::SubmitStatus::kUnavailable) co_return;  // same bytes again next head
    if (auto ok = journal_.mark_broadcast(attempt, head.number, !submitter_.sent_privately(req.tx_hash)); !ok)
        spdlog::error("executor: attempt {}: journaling the broadcast: {}", attempt, ok.error().message);
}

// ---- re-plan (private windows) -----------------------------------------------------------------

asio::awaitable<ReplanResult> Executor::replan(IntentId intent, const hedge::HedgePlan& plan,
                                               const rpc::BlockHeader& head) {
    ReplanResult res;
    res.intent = intent;
    auto it = std::find_if(awaiting_.begin(), awaiting_.end(), [&](const ReplanRequest& r) { return r.intent == intent; });
    if (it == awaiting_.end()) {
        res.detail = "intent " + std::to_string(intent) + " is not awaiting a re-plan";
        co_return res;
    }
    const ReplanRequest request = *it;
    awaiting_.erase(it);  // one re-plan per missed window; the next on_head() decides again
    res.nonce = request.nonce;
    res.revision = request.revision;
    auto rec = journal_.intent(intent);
    if (!rec) {
        res.detail = "journal: " + rec.error().message;
        co_return res;
    }
    if (txm::is_terminal(rec->state) || rec->nonce != std::optional<std::uint64_t>(request.nonce)) {
        res.detail = "intent is " + std::string(to_string(rec->state)) + ": nothing to re-plan";
        co_return res;
    }
    if (halted_) co_return co_await release_nonce(*rec, "trading halted", head);
    if (plan.reason != hedge::PlanReason::kTrade || !plan.trade) {
        std::string why = "re-plan: no trade (" + std::string(hedge::to_string(plan.reason));
        if (!plan.detail.empty()) why += ": " + plan.detail;
        co_return co_await release_nonce(*rec, why + ")", head);
    }
    if (plan.idempotency_key.empty()) {
        res.detail = "re-plan has no idempotency key";
        co_return res;
    }
    const hedge::RebalanceParams& trade = *plan.trade;
    if (trade.deadline <= head.timestamp)
        co_return co_await release_nonce(*rec,
                                         "re-plan: trade deadline " + std::to_string(trade.deadline) +
                                             " is not after the head's timestamp " + std::to_string(head.timestamp),
                                         head);

    const Address vault = rec->decision.vault;
    const Bytes calldata = chain::encode_rebalance(trade);
    rpc::CallRequest req;
    req.from = sender_;
    req.to = vault;
    req.data = calldata;
    auto sim = co_await pool_.call(rpc::eth::call(req, rpc::BlockTag::kPending));
    if (sim) {
        auto gas = co_await pool_.call_as(rpc::eth::estimate_gas(req), rpc::decode_u64);
        if (gas)
            res.gas_estimate = *gas;
        else
            sim = Unexpected(std::move(gas).error());
    }
    if (!sim) {
        const rpc::Error& e = sim.error();
        if (e.code == rpc::Errc::kRpc && e.rpc && e.rpc->is_revert()) {
            ++stats_.simulation_reverts;
            const Bytes revert = e.rpc->revert_data().value_or(Bytes());
            std::string why = "re-plan simulation reverted: " + chain::describe_revert(revert);
            co_return co_await release_nonce(*rec, std::move(why), head);
        }
        res.detail = "re-plan simulation failed, retried at the next head: " + e.describe();
        co_return res;
    }
    auto quote = co_await fetch_fees(pool_, settings_.fees);
    if (!quote) {
        if (quote.error().code != FeeErrc::kRpc)
            alert("unpriceable", intent,
                  "cannot re-sign at nonce " + std::to_string(request.nonce) + ": " + quote.error().message);
        res.detail = "fees: " + quote.error().message;
        co_return res;
    }
    res.fees = quote->fees;

    journal::Decision decision;
    decision.vault = vault;
    decision.direction = trade.buy_underlying ? journal::Direction::kBuy : journal::Direction::kSell;
    decision.amount_in = trade.amount_in;
    decision.min_amount_out = trade.min_amount_out;
    decision.deadline = std::min(trade.deadline, head.timestamp + settings_.intent_ttl_seconds);
    const journal::TxPayload payload{vault, calldata, U256(0),
                                     res.gas_estimate * (100 + settings_.gas_limit_margin_percent) / 100};
    auto revision = journal_.revise_intent(intent, rec->revision, decision, payload, plan.idempotency_key, now_unix());
    if (!revision) {
        res.detail = "journal: " + revision.error().message;
        co_return res;
    }
    res.revision = *revision;
    crash_if(CrashPoint::kAfterReplanRevise);

    // The superseded trade: withdrawn where the channel allows (its window passed anyway).
    if (auto view = journal_.intent_view(intent); view && !view->attempts.empty() &&
                                                  view->attempts.back().kind == AttemptKind::kIntent)
        (void)co_await submitter_.cancel(view->attempts.back().tx_hash);

    auto sent = co_await sign_and_send(intent, AttemptKind::kIntent, request.nonce, res.fees, payload, head,
                                       CrashPoint::kAfterReplanJournal);
    if (!sent) {
        res.detail = sent.error();
        refresh();
        co_return res;
    }
    ++stats_.replanned;
    ++stats_.resigned_private;
    res.outcome = ReplanOutcome::kResigned;
    res.tx_hash = sent->tx_hash;
    res.detail = "re-planned as revision " + std::to_string(*revision) + " at nonce " + std::to_string(request.nonce) +
                 ": " + std::string(submit::to_string(sent->result.status)) +
                 (sent->result.detail.empty() ? "" : ": " + sent->result.detail);
    spdlog::info("executor: intent {} {}", intent, res.detail);
    refresh();
    co_return res;
}

asio::awaitable<ReplanResult> Executor::release(IntentId intent, std::string why, const rpc::BlockHeader& head) {
    ReplanResult res;
    res.intent = intent;
    auto it = std::find_if(awaiting_.begin(), awaiting_.end(), [&](const ReplanRequest& r) { return r.intent == intent; });
    if (it == awaiting_.end()) {
        res.detail = "intent " + std::to_string(intent) + " is not awaiting a re-plan";
        co_return res;
    }
    awaiting_.erase(it);
    auto rec = journal_.intent(intent);
    if (!rec) {
        res.detail = "journal: " + rec.error().message;
        co_return res;
    }
    if (txm::is_terminal(rec->state) || !rec->nonce) {
        res.detail = "intent is " + std::string(to_string(rec->state)) + ": nothing to release";
        co_return res;
    }
    co_return co_await release_nonce(*rec, std::move(why), head);
}

asio::awaitable<ReplanResult> Executor::release_nonce(const journal::IntentRecord& rec, std::string why,
                                                      const rpc::BlockHeader& head) {
    ReplanResult res;
    res.intent = rec.id;
    res.nonce = rec.nonce.value_or(0);
    res.revision = rec.revision;
    auto quote = co_await fetch_fees(pool_, settings_.fees);
    if (!quote) {
        alert("unpriceable", rec.id, "cannot release nonce " + std::to_string(res.nonce) + ": " + quote.error().message);
        res.detail = "fees: " + quote.error().message;
        co_return res;
    }
    res.fees = quote->fees;
    if (auto view = journal_.intent_view(rec.id); view && !view->attempts.empty() &&
                                                  view->attempts.back().kind == AttemptKind::kIntent) {
        const Hash32 old_hash = view->attempts.back().tx_hash;
        const bool withdrawn = co_await submitter_.cancel(old_hash);
        spdlog::info("executor: intent {}: trade {} {} at {}", rec.id, short_hash(old_hash),
                     withdrawn ? "withdrawn" : "not withdrawable", submitter_.name());
    }
    const journal::TxPayload self_transfer;  // a cancel signs a 0-value transfer to the sender
    auto sent = co_await sign_and_send(rec.id, AttemptKind::kCancel, res.nonce, res.fees, self_transfer, head,
                                       CrashPoint::kAfterReplanJournal);
    if (!sent) {
        res.detail = sent.error();
        refresh();
        co_return res;
    }
    ++stats_.cancelled;
    ++stats_.replan_released;
    res.outcome = ReplanOutcome::kReleased;
    res.tx_hash = sent->tx_hash;
    res.detail = why + "; nonce " + std::to_string(res.nonce) + " released by a cancel";
    spdlog::info("executor: intent {}: {}", rec.id, res.detail);
    refresh();
    co_return res;
}

}  // namespace keeper::daemon
