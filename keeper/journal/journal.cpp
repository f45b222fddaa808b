#include "keeper/journal/journal.hpp"

#include "keeper/core/hex.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

namespace keeper::journal {

namespace {

using txm::AttemptKind;
using txm::AttemptState;
using txm::IntentState;

struct Migration {
    std::int64_t version;
    std::string_view sql;
};

// Forward-only. Never edit a released step: add the next one.
constexpr std::array<Migration, 5> kMigrations{{
    {1, R"sql(
CREATE TABLE senders (
    id          INTEGER PRIMARY KEY,
    chain_id    INTEGER NOT NULL,
    address     BLOB    NOT NULL CHECK (length(address) = 20),
    UNIQUE (chain_id, address)
);
CREATE TABLE intents (
    id              INTEGER PRIMARY KEY,
    idempotency_key TEXT    NOT NULL UNIQUE,
    sender_id       INTEGER NOT NULL REFERENCES senders(id),
    created_at      INTEGER NOT NULL,
    vault           BLOB    NOT NULL CHECK (length(vault) = 20),
    direction       INTEGER NOT NULL CHECK (direction IN (0, 1)),
    amount_in       TEXT    NOT NULL,
    min_amount_out  TEXT    NOT NULL,
    deadline        INTEGER NOT NULL,
    state           INTEGER NOT NULL CHECK (state BETWEEN 0 AND 7)
);
CREATE INDEX intents_by_sender_state ON intents(sender_id, state);
CREATE TABLE nonce_reservations (
    sender_id  INTEGER NOT NULL REFERENCES senders(id),
    nonce      INTEGER NOT NULL CHECK (nonce >= 0),
    intent_id  INTEGER NOT NULL UNIQUE REFERENCES intents(id),
    PRIMARY KEY (sender_id, nonce)
);
CREATE TABLE attempts (
    id                    INTEGER PRIMARY KEY,
    intent_id             INTEGER NOT NULL REFERENCES intents(id),
    kind                  INTEGER NOT NULL CHECK (kind IN (0, 1)),
    nonce                 INTEGER NOT NULL,
    raw                   BLOB    NOT NULL,
    tx_hash               BLOB    NOT NULL UNIQUE CHECK (length(tx_hash) = 32),
    max_fee_per_gas       TEXT    NOT NULL,
    max_priority_fee      TEXT    NOT NULL,
    gas_limit             INTEGER NOT NULL,
    state                 INTEGER NOT NULL CHECK (state BETWEEN 0 AND 5),
    first_broadcast_block INTEGER,
    last_broadcast_block  INTEGER,
    replaced_by           INTEGER REFERENCES attempts(id),
    created_at            INTEGER NOT NULL
);
CREATE INDEX attempts_by_intent ON attempts(intent_id);
CREATE TABLE receipts (
    attempt_id   INTEGER PRIMARY KEY REFERENCES attempts(id),
    block_number INTEGER NOT NULL,
    block_hash   BLOB    NOT NULL CHECK (length(block_hash) = 32),
    status       INTEGER NOT NULL CHECK (status IN (0, 1))
);
)sql"},
    // 2: what a replacement re-signs (the intent's transaction), and the keeper's own flags.
    {2, R"sql(
ALTER TABLE intents ADD COLUMN tx_to BLOB CHECK (tx_to IS NULL OR length(tx_to) = 20);
ALTER TABLE intents ADD COLUMN tx_data BLOB;
ALTER TABLE intents ADD COLUMN tx_value TEXT;
ALTER TABLE intents ADD COLUMN tx_gas_limit INTEGER CHECK (tx_gas_limit IS NULL OR tx_gas_limit > 0);
CREATE TABLE keeper_state (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);
)sql"},
    // 3: re-planned intents (a private window missed, the trade re-planned at the same nonce).
    // The intent row holds its current decision and payload at `revision`; every superseded
    // one is archived in intent_revisions; each attempt records the revision it signed.
    {3, R"sql(
ALTER TABLE intents ADD COLUMN revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0);
ALTER TABLE intents ADD COLUMN revision_key TEXT;
ALTER TABLE attempts ADD COLUMN revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0);
CREATE TABLE intent_revisions (
    intent_id       INTEGER NOT NULL REFERENCES intents(id),
    revision        INTEGER NOT NULL CHECK (revision >= 0),
    plan_key        TEXT    NOT NULL,
    direction       INTEGER NOT NULL CHECK (direction IN (0, 1)),
    amount_in       TEXT    NOT NULL,
    min_amount_out  TEXT    NOT NULL,
    deadline        INTEGER NOT NULL,
    tx_to           BLOB    CHECK (tx_to IS NULL OR length(tx_to) = 20),
    tx_data         BLOB,
    tx_value        TEXT,
    tx_gas_limit    INTEGER,
    superseded_at   INTEGER NOT NULL,
    PRIMARY KEY (intent_id, revision)
);
)sql"},
    // 4: what each mined transaction paid (receipt gasUsed x effectiveGasPrice), so the realized
    // gas cost is counted once per final receipt, also across restarts. NULL for receipts
    // journaled before (their cost is unknown and not counted).
    {4, R"sql(
ALTER TABLE receipts ADD COLUMN gas_used INTEGER CHECK (gas_used IS NULL OR gas_used >= 0);
ALTER TABLE receipts ADD COLUMN effective_gas_price TEXT;
)sql"},
    // 5: which attempts reached the public mempool (a private submitter's public fallback), so
    // that a restart keeps tracking them as public: bumped when stuck, re-sent publicly when
    // dropped. 0 for attempts journaled before (they are tracked by the submitter's answer).
    {5, R"sql(
ALTER TABLE attempts ADD COLUMN went_public INTEGER NOT NULL DEFAULT 0 CHECK (went_public IN (0, 1));
)sql"},
}};

// SQLite integers are signed 64-bit; nonces, blocks and timestamps stay far below 2^63.
std::int64_t to_i64(std::uint64_t v) noexcept {
    return static_cast<std::int64_t>(v);
}
std::uint64_t to_u64(std::int64_t v) noexcept {
    return static_cast<std::uint64_t>(v);
}
std::int64_t to_i64(IntentState s) noexcept {
    return static_cast<std::int64_t>(s);
}
std::int64_t to_i64(AttemptState s) noexcept {
    return static_cast<std::int64_t>(s);
}

template <class T>
Unexpected<Error> propagate(Result<T>&& r) {
    return Unexpected(std::move(r).error());
}
Unexpected<Error> propagate(const Result<void>& r) {
    return Unexpected(r.error());
}

template <class Fixed>
Result<Fixed> fixed_column(const Statement& s, int index, std::string_view what) {
    Fixed out{};
    if (!Fixed::from_view(s.column_blob(index), out)) return fail(Errc::kCorrupt, what, "wrong blob size");
    return out;
}

Result<U256> u256_column(const Statement& s, int index, std::string_view what) {
    auto v = parse_u256(s.column_text(index));
    if (!v) return fail(Errc::kCorrupt, what, to_string(v.error()));
    return *v;
}

// The intent columns read_intent() expects, in order.
constexpr std::string_view kIntentSelect =
    "SELECT i.id, i.idempotency_key, s.chain_id, s.address, i.vault, i.direction, i.amount_in, "
    "i.min_amount_out, i.deadline, i.state, i.created_at, r.nonce, i.tx_to, i.tx_data, i.tx_value, i.tx_gas_limit, "
    "i.revision, COALESCE(i.revision_key, '') "
    "FROM intents i JOIN senders s ON s.id = i.sender_id "
    "LEFT JOIN nonce_reservations r ON r.intent_id = i.id ";

Result<IntentRecord> read_intent(const Statement& s) {
    IntentRecord r;
    r.id = s.column_int(0);
    r.idempotency_key = s.column_text(1);
    r.chain_id = to_u64(s.column_int(2));
    auto sender = fixed_column<Address>(s, 3, "read intent sender");
    if (!sender) return propagate(std::move(sender));
    r.sender = *sender;
    auto vault = fixed_column<Address>(s, 4, "read intent vault");
    if (!vault) return propagate(std::move(vault));
    r.decision.vault = *vault;
    r.decision.direction = s.column_int(5) == 0 ? Direction::kBuy : Direction::kSell;
    auto amount = u256_column(s, 6, "read intent amount_in");
    if (!amount) return propagate(std::move(amount));
    r.decision.amount_in = *amount;
    auto min_out = u256_column(s, 7, "read intent min_amount_out");
    if (!min_out) return propagate(std::move(min_out));
    r.decision.min_amount_out = *min_out;
    r.decision.deadline = to_u64(s.column_int(8));
    r.state = static_cast<IntentState>(s.column_int(9));
    r.created_at = s.column_int(10);
    if (auto n = s.column_optional_int(11)) r.nonce = to_u64(*n);
    if (auto gas = s.column_optional_int(15)) {
        TxPayload p;
        auto to = fixed_column<Address>(s, 12, "read intent tx_to");
        if (!to) return propagate(std::move(to));
        p.to = *to;
        p.data = s.column_blob(13);
        auto value = u256_column(s, 14, "read intent tx_value");
        if (!value) return propagate(std::move(value));
        p.value = *value;
        p.gas_limit = to_u64(*gas);
        r.payload = std::move(p);
    }
    r.revision = static_cast<std::uint32_t>(s.column_int(16));
    r.revision_key = s.column_text(17);
    return r;
}

bool in_flight_state(IntentState s) noexcept {
    return s == IntentState::kCreated || s == IntentState::kSigned || s == IntentState::kBroadcast;
}

}  // namespace

// ---- open, pragmas, migrations -----------------------------------------------------------------

Result<Journal> Journal::open(const std::string& path, const JournalOptions& options) {
    auto db = Database::open(path);
    if (!db) return propagate(std::move(db));
    Journal journal(std::move(*db));
    if (auto ok = journal.configure(options); !ok) return propagate(ok);
    if (auto ok = journal.migrate(); !ok) return propagate(ok);
    return journal;
}

Result<void> Journal::configure(const JournalOptions& options) {
    const std::string busy = "PRAGMA busy_timeout = " + std::to_string(options.busy_timeout.count());
    if (auto ok = db_.query_int(busy, "set busy_timeout"); !ok) return propagate(std::move(ok));

    auto mode = db_.query_text("PRAGMA journal_mode = WAL", "set journal_mode");
    if (!mode) return propagate(std::move(mode));
    if (*mode != "wal") return fail(Errc::kPragma, "set journal_mode", "WAL not available (got " + *mode + ")");

    // See the header: the journal is written before broadcast, so every commit must be durable.
    if (auto ok = db_.exec("PRAGMA synchronous = FULL", "set synchronous"); !ok) return ok;
    auto sync = db_.query_int("PRAGMA synchronous", "read synchronous");
    if (!sync) return propagate(std::move(sync));
    if (*sync != 2) return fail(Errc::kPragma, "set synchronous", "FULL not in effect");

    if (auto ok = db_.exec("PRAGMA foreign_keys = ON", "set foreign_keys"); !ok) return ok;
    auto fk = db_.query_int("PRAGMA foreign_keys", "read foreign_keys");
    if (!fk) return propagate(std::move(fk));
    if (*fk != 1) return fail(Errc::kPragma, "set foreign_keys", "foreign keys not enforced");
    return {};
}

Result<void> Journal::migrate() {
    auto version = schema_version();
    if (!version) return propagate(std::move(version));
    if (*version > kSchemaVersion)
        return fail(Errc::kSchemaTooNew, "open journal",
                    "schema version " + std::to_string(*version) + " is newer than this keeper's " +
                        std::to_string(kSchemaVersion));
    for (const Migration& m : kMigrations) {
        if (m.version <= *version) continue;
        const std::string operation = "migrate to schema version " + std::to_string(m.version);
        auto tx = Transaction::begin(db_, operation);
        if (!tx) return propagate(std::move(tx));
        // Re-read inside the write lock: another process may have migrated meanwhile.
        auto current = schema_version();
        if (!current) return propagate(std::move(current));
        if (*current >= m.version) continue;  // rolled back (no-op) by the destructor
        if (auto ok = db_.exec(m.sql, operation); !ok) {
            Error e = ok.error();
            e.code = Errc::kMigration;
            return Unexpected(std::move(e));
        }
        if (auto ok = db_.exec("PRAGMA user_version = " + std::to_string(m.version), operation); !ok) return ok;
        if (auto ok = tx->commit(); !ok) return ok;
    }
    return {};
}

Result<std::int64_t> Journal::schema_version() {
    return db_.query_int("PRAGMA user_version", "read schema version");
}

Result<std::string> Journal::journal_mode() {
    return db_.query_text("PRAGMA journal_mode", "read journal_mode");
}

// ---- senders and intents -----------------------------------------------------------------------

Result<std::int64_t> Journal::sender_id(std::uint64_t chain_id, const Address& sender, bool create) {
    if (create) {
        auto ins = db_.prepare("INSERT OR IGNORE INTO senders (chain_id, address) VALUES (?1, ?2)");
        if (!ins) return propagate(std::move(ins));
        (*ins)->bind(1, to_i64(chain_id));
        (*ins)->bind(2, sender.view());
        if (auto ok = (*ins)->run("insert sender"); !ok) return propagate(ok);
    }
    auto sel = db_.prepare("SELECT id FROM senders WHERE chain_id = ?1 AND address = ?2");
    if (!sel) return propagate(std::move(sel));
    (*sel)->bind(1, to_i64(chain_id));
    (*sel)->bind(2, sender.view());
    auto row = (*sel)->step("find sender");
    if (!row) return propagate(std::move(row));
    if (!*row) return fail(Errc::kNotFound, "find sender", "no intents for this chain id and address");
    const std::int64_t id = (*sel)->column_int(0);
    (*sel)->reset();
    return id;
}

Result<std::optional<IntentRecord>> Journal::find_intent(std::string_view idempotency_key) {
    auto sel = db_.prepare(std::string(kIntentSelect) + "WHERE i.idempotency_key = ?1");
    if (!sel) return propagate(std::move(sel));
    (*sel)->bind(1, idempotency_key);
    auto row = (*sel)->step("find intent");
    if (!row) return propagate(std::move(row));
    if (!*row) return std::optional<IntentRecord>{};
    auto rec = read_intent(**sel);
    (*sel)->reset();
    if (!rec) return propagate(std::move(rec));
    return std::optional<IntentRecord>(std::move(*rec));
}

Result<IntentRecord> Journal::intent(IntentId id) {
    auto sel = db_.prepare(std::string(kIntentSelect) + "WHERE i.id = ?1");
    if (!sel) return propagate(std::move(sel));
    (*sel)->bind(1, id);
    auto row = (*sel)->step("read intent");
    if (!row) return propagate(std::move(row));
    if (!*row) return fail(Errc::kNotFound, "read intent", "no intent with this id");
    auto rec = read_intent(**sel);
    (*sel)->reset();
    return rec;
}

Result<CreatedIntent> Journal::create_intent(const NewIntent& in) {
    auto tx = Transaction::begin(db_, "create intent");
    if (!tx) return propagate(std::move(tx));
    auto existing = find_intent(in.idempotency_key);
    if (!existing) return propagate(std::move(existing));
    if (*existing) return CreatedIntent{std::move(**existing), false};

    auto sender = sender_id(in.chain_id, in.sender, true);
    if (!sender) return propagate(std::move(sender));
    auto ins = db_.prepare(
        "INSERT INTO intents (idempotency_key, sender_id, created_at, vault, direction, amount_in, "
        "min_amount_out, deadline, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!ins) return propagate(std::move(ins));
    Statement& s = **ins;
    s.bind(1, in.idempotency_key);
    s.bind(2, *sender);
    s.bind(3, in.created_at);
    s.bind(4, in.decision.vault.view());
    s.bind(5, static_cast<std::int64_t>(in.decision.direction));
    s.bind(6, to_dec(in.decision.amount_in));
    s.bind(7, to_dec(in.decision.min_amount_out));
    s.bind(8, to_i64(in.decision.deadline));
    s.bind(9, to_i64(IntentState::kCreated));
    if (auto ok = s.run("insert intent"); !ok) return propagate(ok);
    const IntentId id = db_.last_insert_rowid();
    if (auto ok = tx->commit(); !ok) return propagate(ok);

    IntentRecord rec{id,          in.idempotency_key,    in.chain_id,   in.sender,   in.decision,
                     IntentState::kCreated, in.created_at, std::nullopt, std::nullopt, 0,
                     std::string()};
    return CreatedIntent{std::move(rec), true};
}

Result<void> Journal::finish_intent(IntentId id, IntentState outcome, std::optional<AttemptId> mined) {
    if (!txm::is_terminal(outcome))
        return fail(Errc::kInvalidState, "finish intent", "outcome is not a terminal state");
    auto tx = Transaction::begin(db_, "finish intent");
    if (!tx) return propagate(std::move(tx));
    auto rec = intent(id);
    if (!rec) return propagate(std::move(rec));
    if (txm::is_terminal(rec->state))
        return fail(Errc::kInvalidState, "finish intent", "intent already " + std::string(to_string(rec->state)));

    auto upd = db_.prepare("UPDATE intents SET state = ?2 WHERE id = ?1");
    if (!upd) return propagate(std::move(upd));
    (*upd)->bind(1, id);
    (*upd)->bind(2, to_i64(outcome));
    if (auto ok = (*upd)->run("finish intent"); !ok) return ok;
    if (mined) {
        auto att = db_.prepare("UPDATE attempts SET state = ?3 WHERE id = ?1 AND intent_id = ?2");
        if (!att) return propagate(std::move(att));
        (*att)->bind(1, *mined);
        (*att)->bind(2, id);
        (*att)->bind(3, to_i64(outcome == IntentState::kFailed ? AttemptState::kFailed : AttemptState::kFinal));
        if (auto ok = (*att)->run("finish attempt"); !ok) return ok;
        if (db_.changes() != 1) return fail(Errc::kNotFound, "finish intent", "mined attempt not of this intent");
    }
    return tx->commit();
}

Result<void> Journal::set_payload(IntentId id, const TxPayload& payload) {
    if (payload.gas_limit == 0) return fail(Errc::kInvalidState, "set payload", "gas limit is zero");
    auto tx = Transaction::begin(db_, "set payload");
    if (!tx) return propagate(std::move(tx));
    auto rec = intent(id);
    if (!rec) return propagate(std::move(rec));
    if (rec->state != IntentState::kCreated)
        return fail(Errc::kInvalidState, "set payload", "intent is " + std::string(to_string(rec->state)));
    auto upd = db_.prepare("UPDATE intents SET tx_to = ?2, tx_data = ?3, tx_value = ?4, tx_gas_limit = ?5 WHERE id = ?1");
    if (!upd) return propagate(std::move(upd));
    (*upd)->bind(1, id);
    (*upd)->bind(2, payload.to.view());
    (*upd)->bind(3, ByteView(payload.data));
    (*upd)->bind(4, to_dec(payload.value));
    (*upd)->bind(5, to_i64(payload.gas_limit));
    if (auto ok = (*upd)->run("set payload"); !ok) return ok;
    return tx->commit();
}

Result<std::uint32_t> Journal::revise_intent(IntentId id, std::uint32_t expected_revision, const Decision& decision,
                                             const TxPayload& payload, std::string_view plan_key, std::int64_t at) {
    constexpr std::string_view op = "revise intent";
    if (payload.gas_limit == 0) return fail(Errc::kInvalidState, op, "gas limit is zero");
    if (plan_key.empty()) return fail(Errc::kInvalidState, op, "plan key is empty");
    auto tx = Transaction::begin(db_, op);
    if (!tx) return propagate(std::move(tx));
    auto rec = intent(id);
    if (!rec) return propagate(std::move(rec));
    if (rec->state != IntentState::kSigned && rec->state != IntentState::kBroadcast)
        return fail(Errc::kInvalidState, op, "intent is " + std::string(to_string(rec->state)));
    if (!rec->nonce) return fail(Errc::kInvalidState, op, "intent has no reserved nonce");
    if (rec->revision != expected_revision)
        return fail(Errc::kInvalidState, op,
                    "intent is at revision " + std::to_string(rec->revision) + ", expected " +
                        std::to_string(expected_revision));
    if (decision.vault != rec->decision.vault) return fail(Errc::kInvalidState, op, "a re-plan must keep the vault");
    auto mined = db_.prepare(
        "SELECT COUNT(*) FROM attempts a JOIN receipts r ON r.attempt_id = a.id WHERE a.intent_id = ?1");
    if (!mined) return propagate(std::move(mined));
    (*mined)->bind(1, id);
    auto row = (*mined)->step(op);
    if (!row) return propagate(std::move(row));
    const std::int64_t receipts = *row ? (*mined)->column_int(0) : 0;
    (*mined)->reset();
    if (receipts != 0) return fail(Errc::kInvalidState, op, "an attempt of the intent is mined");

    auto arc = db_.prepare(
        "INSERT INTO intent_revisions (intent_id, revision, plan_key, direction, amount_in, min_amount_out, deadline, "
        "tx_to, tx_data, tx_value, tx_gas_limit, superseded_at) "
        "SELECT id, revision, COALESCE(revision_key, idempotency_key), direction, amount_in, min_amount_out, deadline, "
        "tx_to, tx_data, tx_value, tx_gas_limit, ?2 FROM intents WHERE id = ?1");
    if (!arc) return propagate(std::move(arc));
    (*arc)->bind(1, id);
    (*arc)->bind(2, at);
    if (auto ok = (*arc)->run("archive superseded decision"); !ok) return propagate(ok);

    const std::uint32_t next = expected_revision + 1;
    auto upd = db_.prepare(
        "UPDATE intents SET direction = ?2, amount_in = ?3, min_amount_out = ?4, deadline = ?5, tx_to = ?6, "
        "tx_data = ?7, tx_value = ?8, tx_gas_limit = ?9, revision = ?10, revision_key = ?11 WHERE id = ?1");
    if (!upd) return propagate(std::move(upd));
    Statement& s = **upd;
    s.bind(1, id);
    s.bind(2, static_cast<std::int64_t>(decision.direction));
    s.bind(3, to_dec(decision.amount_in));
    s.bind(4, to_dec(decision.min_amount_out));
    s.bind(5, to_i64(decision.deadline));
    s.bind(6, payload.to.view());
    s.bind(7, ByteView(payload.data));
    s.bind(8, to_dec(payload.value));
    s.bind(9, to_i64(payload.gas_limit));
    s.bind(10, static_cast<std::int64_t>(next));
    s.bind(11, plan_key);
    if (auto ok = s.run(op); !ok) return propagate(ok);
    if (auto ok = tx->commit(); !ok) return propagate(ok);
    return next;
}

Result<std::vector<IntentRevision>> Journal::revisions(IntentId id) {
    auto sel = db_.prepare(
        "SELECT v.revision, v.plan_key, i.vault, v.direction, v.amount_in, v.min_amount_out, v.deadline, v.tx_to, "
        "v.tx_data, v.tx_value, v.tx_gas_limit, v.superseded_at FROM intent_revisions v "
        "JOIN intents i ON i.id = v.intent_id WHERE v.intent_id = ?1 ORDER BY v.revision");
    if (!sel) return propagate(std::move(sel));
    Statement& s = **sel;
    s.bind(1, id);
    std::vector<IntentRevision> out;
    for (;;) {
        auto row = s.step("read intent revisions");
        if (!row) return propagate(std::move(row));
        if (!*row) break;
        IntentRevision r;
        r.intent = id;
        r.revision = static_cast<std::uint32_t>(s.column_int(0));
        r.plan_key = s.column_text(1);
        auto vault = fixed_column<Address>(s, 2, "read revision vault");
        if (!vault) return propagate(std::move(vault));
        r.decision.vault = *vault;
        r.decision.direction = s.column_int(3) == 0 ? Direction::kBuy : Direction::kSell;
        auto amount = u256_column(s, 4, "read revision amount_in");
        if (!amount) return propagate(std::move(amount));
        r.decision.amount_in = *amount;
        auto min_out = u256_column(s, 5, "read revision min_amount_out");
        if (!min_out) return propagate(std::move(min_out));
        r.decision.min_amount_out = *min_out;
        r.decision.deadline = to_u64(s.column_int(6));
        if (auto gas = s.column_optional_int(10)) {
            TxPayload p;
            auto to = fixed_column<Address>(s, 7, "read revision tx_to");
            if (!to) return propagate(std::move(to));
            p.to = *to;
            p.data = s.column_blob(8);
            auto value = u256_column(s, 9, "read revision tx_value");
            if (!value) return propagate(std::move(value));
            p.value = *value;
            p.gas_limit = to_u64(*gas);
            r.payload = std::move(p);
        }
        r.superseded_at = s.column_int(11);
        out.push_back(std::move(r));
    }
    s.reset();
    return out;
}

Result<std::uint32_t> Journal::attempt_revision(AttemptId id) {
    auto sel = db_.prepare("SELECT revision FROM attempts WHERE id = ?1");
    if (!sel) return propagate(std::move(sel));
    (*sel)->bind(1, id);
    auto row = (*sel)->step("read attempt revision");
    if (!row) return propagate(std::move(row));
    if (!*row) return fail(Errc::kNotFound, "read attempt revision", "no attempt with this id");
    const auto revision = static_cast<std::uint32_t>((*sel)->column_int(0));
    (*sel)->reset();
    return revision;
}

Result<std::vector<IntentRecord>> Journal::open_intents(std::uint64_t chain_id, const Address& sender) {
    auto sel = db_.prepare(std::string(kIntentSelect) +
                           "WHERE s.chain_id = ?1 AND s.address = ?2 AND i.state IN (0, 1, 2, 3) ORDER BY i.id");
    if (!sel) return propagate(std::move(sel));
    (*sel)->bind(1, to_i64(chain_id));
    (*sel)->bind(2, sender.view());
    std::vector<IntentRecord> out;
    for (;;) {
        auto row = (*sel)->step("read open intents");
        if (!row) return propagate(std::move(row));
        if (!*row) break;
        auto rec = read_intent(**sel);
        if (!rec) {
            (*sel)->reset();
            return propagate(std::move(rec));
        }
        out.push_back(std::move(*rec));
    }
    (*sel)->reset();
    return out;
}

Result<std::array<std::uint64_t, 8>> Journal::count_by_state(std::uint64_t chain_id, const Address& sender) {
    auto sel = db_.prepare(
        "SELECT i.state, COUNT(*) FROM intents i JOIN senders s ON s.id = i.sender_id "
        "WHERE s.chain_id = ?1 AND s.address = ?2 GROUP BY i.state");
    if (!sel) return propagate(std::move(sel));
    (*sel)->bind(1, to_i64(chain_id));
    (*sel)->bind(2, sender.view());
    std::array<std::uint64_t, 8> out{};
    for (;;) {
        auto row = (*sel)->step("count intents by state");
        if (!row) return propagate(std::move(row));
        if (!*row) break;
        const std::int64_t state = (*sel)->column_int(0);
        if (state >= 0 && state < 8) out[static_cast<std::size_t>(state)] = to_u64((*sel)->column_int(1));
    }
    (*sel)->reset();
    return out;
}

Result<IntentRecord> Journal::create_gap_filler(std::uint64_t chain_id, const Address& sender, std::uint64_t nonce,
                                                std::int64_t created_at) {
    const std::string key =
        "nonce-fill:" + std::to_string(chain_id) + ":" + to_hex(sender.view()) + ":" + std::to_string(nonce);
    auto tx = Transaction::begin(db_, "create gap filler");
    if (!tx) return propagate(std::move(tx));
    auto existing = find_intent(key);
    if (!existing) return propagate(std::move(existing));
    if (*existing) return std::move(**existing);

    auto sid = sender_id(chain_id, sender, true);
    if (!sid) return propagate(std::move(sid));
    auto holder = db_.prepare(
        "SELECT i.state FROM nonce_reservations r JOIN intents i ON i.id = r.intent_id "
        "WHERE r.sender_id = ?1 AND r.nonce = ?2");
    if (!holder) return propagate(std::move(holder));
    (*holder)->bind(1, *sid);
    (*holder)->bind(2, to_i64(nonce));
    auto row = (*holder)->step("find nonce holder");
    if (!row) return propagate(std::move(row));
    const bool held = *row;
    const auto holder_state = held ? static_cast<IntentState>((*holder)->column_int(0)) : IntentState::kCreated;
    (*holder)->reset();
    if (held && !txm::is_terminal(holder_state))
        return fail(Errc::kInvalidState, "create gap filler", "an open intent holds this nonce");

    auto ins = db_.prepare(
        "INSERT INTO intents (idempotency_key, sender_id, created_at, vault, direction, amount_in, min_amount_out, "
        "deadline, state, tx_to, tx_data, tx_value, tx_gas_limit) "
        "VALUES (?1, ?2, ?3, ?4, 0, '0', '0', ?5, ?6, ?4, X'', '0', 21000)");
    if (!ins) return propagate(std::move(ins));
    (*ins)->bind(1, std::string_view(key));
    (*ins)->bind(2, *sid);
    (*ins)->bind(3, created_at);
    (*ins)->bind(4, sender.view());
    (*ins)->bind(5, std::numeric_limits<std::int64_t>::max());  // a filler never expires
    (*ins)->bind(6, to_i64(IntentState::kCreated));
    if (auto ok = (*ins)->run("insert gap filler"); !ok) return propagate(ok);
    const IntentId id = db_.last_insert_rowid();

    auto res = db_.prepare(held ? "UPDATE nonce_reservations SET intent_id = ?3 WHERE sender_id = ?1 AND nonce = ?2"
                                : "INSERT INTO nonce_reservations (sender_id, nonce, intent_id) VALUES (?1, ?2, ?3)");
    if (!res) return propagate(std::move(res));
    (*res)->bind(1, *sid);
    (*res)->bind(2, to_i64(nonce));
    (*res)->bind(3, id);
    if (auto ok = (*res)->run("reserve gap nonce"); !ok) return propagate(ok);
    auto rec = intent(id);
    if (!rec) return propagate(std::move(rec));
    if (auto ok = tx->commit(); !ok) return propagate(ok);
    return rec;
}

// ---- keeper state ------------------------------------------------------------------------------

Result<void> Journal::put_state(std::string_view key, std::string_view value, std::int64_t updated_at) {
    auto tx = Transaction::begin(db_, "put keeper state");
    if (!tx) return propagate(std::move(tx));
    auto ins = db_.prepare(
        "INSERT INTO keeper_state (key, value, updated_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
    if (!ins) return propagate(std::move(ins));
    (*ins)->bind(1, key);
    (*ins)->bind(2, value);
    (*ins)->bind(3, updated_at);
    if (auto ok = (*ins)->run("put keeper state"); !ok) return ok;
    return tx->commit();
}

Result<std::optional<std::string>> Journal::get_state(std::string_view key) {
    auto sel = db_.prepare("SELECT value FROM keeper_state WHERE key = ?1");
    if (!sel) return propagate(std::move(sel));
    (*sel)->bind(1, key);
    auto row = (*sel)->step("get keeper state");
    if (!row) return propagate(std::move(row));
    std::optional<std::string> out;
    if (*row) out = (*sel)->column_text(0);
    (*sel)->reset();
    return out;
}

Result<void> Journal::erase_state(std::string_view key) {
    auto tx = Transaction::begin(db_, "erase keeper state");
    if (!tx) return propagate(std::move(tx));
    auto del = db_.prepare("DELETE FROM keeper_state WHERE key = ?1");
    if (!del) return propagate(std::move(del));
    (*del)->bind(1, key);
    if (auto ok = (*del)->run("erase keeper state"); !ok) return ok;
    return tx->commit();
}

// ---- nonces ------------------------------------------------------------------------------------

Result<void> Journal::reserve_nonce(IntentId id, std::uint64_t nonce) {
    auto tx = Transaction::begin(db_, "reserve nonce");
    if (!tx) return propagate(std::move(tx));
    auto rec = intent(id);
    if (!rec) return propagate(std::move(rec));
    if (rec->nonce) {
        if (*rec->nonce == nonce) return {};  // idempotent; the destructor ends the read-only tx
        return fail(Errc::kInvalidState, "reserve nonce", "intent already holds another nonce");
    }
    if (txm::is_terminal(rec->state))
        return fail(Errc::kInvalidState, "reserve nonce", "intent already " + std::string(to_string(rec->state)));
    auto ins = db_.prepare(
        "INSERT INTO nonce_reservations (sender_id, nonce, intent_id) "
        "SELECT sender_id, ?2, id FROM intents WHERE id = ?1");
    if (!ins) return propagate(std::move(ins));
    (*ins)->bind(1, id);
    (*ins)->bind(2, to_i64(nonce));
    if (auto ok = (*ins)->run("reserve nonce"); !ok) return ok;
    return tx->commit();
}

Result<std::optional<std::uint64_t>> Journal::highest_nonce(std::uint64_t chain_id, const Address& sender) {
    auto sel = db_.prepare(
        "SELECT MAX(r.nonce) FROM nonce_reservations r JOIN senders s ON s.id = r.sender_id "
        "WHERE s.chain_id = ?1 AND s.address = ?2");
    if (!sel) return propagate(std::move(sel));
    (*sel)->bind(1, to_i64(chain_id));
    (*sel)->bind(2, sender.view());
    auto row = (*sel)->step("read highest nonce");
    if (!row) return propagate(std::move(row));
    std::optional<std::uint64_t> out;
    if (*row) {
        if (auto n = (*sel)->column_optional_int(0)) out = to_u64(*n);
    }
    (*sel)->reset();
    return out;
}

Result<std::vector<std::uint64_t>> Journal::open_nonces(std::uint64_t chain_id, const Address& sender) {
    auto sel = db_.prepare(
        "SELECT r.nonce FROM nonce_reservations r JOIN senders s ON s.id = r.sender_id "
        "JOIN intents i ON i.id = r.intent_id "
        "WHERE s.chain_id = ?1 AND s.address = ?2 AND i.state IN (0, 1, 2, 3) ORDER BY r.nonce");
    if (!sel) return propagate(std::move(sel));
    (*sel)->bind(1, to_i64(chain_id));
    (*sel)->bind(2, sender.view());
    std::vector<std::uint64_t> out;
    for (;;) {
        auto row = (*sel)->step("read open nonces");
        if (!row) return propagate(std::move(row));
        if (!*row) break;
        out.push_back(to_u64((*sel)->column_int(0)));
    }
    (*sel)->reset();
    return out;
}

// ---- attempts ----------------------------------------------------------------------------------

Result<AttemptId> Journal::insert_attempt(IntentId id, AttemptKind kind, const SignedTransaction& stx,
                                          std::int64_t created_at) {
    auto tx = Transaction::begin(db_, "insert attempt");
    if (!tx) return propagate(std::move(tx));
    auto rec = intent(id);
    if (!rec) return propagate(std::move(rec));
    if (!in_flight_state(rec->state))
        return fail(Errc::kInvalidState, "insert attempt", "intent is " + std::string(to_string(rec->state)));
    if (!rec->nonce) return fail(Errc::kInvalidState, "insert attempt", "intent has no reserved nonce");
    if (*rec->nonce != stx.nonce)
        return fail(Errc::kInvalidState, "insert attempt", "transaction nonce differs from the reserved nonce");
    if (stx.chain_id != rec->chain_id)
        return fail(Errc::kInvalidState, "insert attempt", "transaction chain id differs from the intent's");

    const Bytes raw = stx.encode();
    const Hash32 hash = stx.hash();
    auto ins = db_.prepare(
        "INSERT INTO attempts (intent_id, kind, nonce, raw, tx_hash, max_fee_per_gas, max_priority_fee, "
        "gas_limit, state, created_at, revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!ins) return propagate(std::move(ins));
    Statement& s = **ins;
    s.bind(1, id);
    s.bind(2, static_cast<std::int64_t>(kind));
    s.bind(3, to_i64(stx.nonce));
    s.bind(4, ByteView(raw));
    s.bind(5, hash.view());
    s.bind(6, to_dec(stx.max_fee_per_gas));
    s.bind(7, to_dec(stx.max_priority_fee_per_gas));
    s.bind(8, to_i64(stx.gas_limit));
    s.bind(9, to_i64(AttemptState::kSigned));
    s.bind(10, created_at);
    s.bind(11, static_cast<std::int64_t>(rec->revision));
    if (auto ok = s.run("insert attempt"); !ok) return propagate(ok);
    const AttemptId attempt = db_.last_insert_rowid();

    auto rep = db_.prepare(
        "UPDATE attempts SET state = ?3, replaced_by = ?2 "
        "WHERE intent_id = ?1 AND id <> ?2 AND replaced_by IS NULL");
    if (!rep) return propagate(std::move(rep));
    (*rep)->bind(1, id);
    (*rep)->bind(2, attempt);
    (*rep)->bind(3, to_i64(AttemptState::kReplaced));
    if (auto ok = (*rep)->run("mark replaced attempt"); !ok) return propagate(ok);

    if (rec->state == IntentState::kCreated) {
        auto upd = db_.prepare("UPDATE intents SET state = ?2 WHERE id = ?1");
        if (!upd) return propagate(std::move(upd));
        (*upd)->bind(1, id);
        (*upd)->bind(2, to_i64(IntentState::kSigned));
        if (auto ok = (*upd)->run("mark intent signed"); !ok) return propagate(ok);
    }
    if (auto ok = tx->commit(); !ok) return propagate(ok);
    return attempt;
}

Result<void> Journal::mark_broadcast(AttemptId id, std::uint64_t block, bool went_public) {
    auto tx = Transaction::begin(db_, "mark broadcast");
    if (!tx) return propagate(std::move(tx));
    auto upd = db_.prepare(
        "UPDATE attempts SET state = CASE WHEN state = ?3 THEN ?4 ELSE state END, "
        "first_broadcast_block = COALESCE(first_broadcast_block, ?2), last_broadcast_block = ?2, "
        "went_public = MAX(went_public, ?5) "
        "WHERE id = ?1 AND state IN (?3, ?4)");
    if (!upd) return propagate(std::move(upd));
    (*upd)->bind(1, id);
    (*upd)->bind(2, to_i64(block));
    (*upd)->bind(3, to_i64(AttemptState::kSigned));
    (*upd)->bind(4, to_i64(AttemptState::kBroadcast));
    (*upd)->bind(5, std::int64_t{went_public ? 1 : 0});
    if (auto ok = (*upd)->run("mark broadcast"); !ok) return ok;
    if (db_.changes() != 1)
        return fail(Errc::kInvalidState, "mark broadcast", "no attempt with this id in state signed or broadcast");
    auto intent_upd = db_.prepare(
        "UPDATE intents SET state = ?2 WHERE id = (SELECT intent_id FROM attempts WHERE id = ?1) AND state = ?3");
    if (!intent_upd) return propagate(std::move(intent_upd));
    (*intent_upd)->bind(1, id);
    (*intent_upd)->bind(2, to_i64(IntentState::kBroadcast));
    (*intent_upd)->bind(3, to_i64(IntentState::kSigned));
    if (auto ok = (*intent_upd)->run("mark intent broadcast"); !ok) return ok;
    return tx->commit();
}

Result<void> Journal::record_receipt(AttemptId id, const txm::ReceiptRecord& receipt,
                                     const std::optional<GasCost>& cost) {
    auto tx = Transaction::begin(db_, "record receipt");
    if (!tx) return propagate(std::move(tx));
    auto ins = db_.prepare(
        "INSERT INTO receipts (attempt_id, block_number, block_hash, status, gas_used, effective_gas_price) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!ins) return propagate(std::move(ins));
    (*ins)->bind(1, id);
    (*ins)->bind(2, to_i64(receipt.block_number));
    (*ins)->bind(3, receipt.block_hash.view());
    (*ins)->bind(4, std::int64_t{receipt.status ? 1 : 0});
    if (cost) {
        (*ins)->bind(5, to_i64(cost->gas_used));
        const std::string price = to_dec(cost->effective_gas_price);
        (*ins)->bind(6, std::string_view(price));
    } else {
        (*ins)->bind_null(5);
        (*ins)->bind_null(6);
    }
    if (auto ok = (*ins)->run("record receipt"); !ok) return ok;

    auto att = db_.prepare("UPDATE attempts SET state = ?2 WHERE id = ?1");
    if (!att) return propagate(std::move(att));
    (*att)->bind(1, id);
    (*att)->bind(2, to_i64(AttemptState::kIncluded));
    if (auto ok = (*att)->run("mark attempt included"); !ok) return ok;

    auto upd = db_.prepare(
        "UPDATE intents SET state = ?2 WHERE id = (SELECT intent_id FROM attempts WHERE id = ?1) "
        "AND state IN (?3, ?4, ?5)");
    if (!upd) return propagate(std::move(upd));
    (*upd)->bind(1, id);
    (*upd)->bind(2, to_i64(IntentState::kIncluded));
    (*upd)->bind(3, to_i64(IntentState::kCreated));
    (*upd)->bind(4, to_i64(IntentState::kSigned));
    (*upd)->bind(5, to_i64(IntentState::kBroadcast));
    if (auto ok = (*upd)->run("mark intent included"); !ok) return ok;
    return tx->commit();
}

Result<void> Journal::forget_receipt(AttemptId id) {
    auto tx = Transaction::begin(db_, "forget receipt");
    if (!tx) return propagate(std::move(tx));
    auto del = db_.prepare("DELETE FROM receipts WHERE attempt_id = ?1");
    if (!del) return propagate(std::move(del));
    (*del)->bind(1, id);
    if (auto ok = (*del)->run("forget receipt"); !ok) return ok;
    if (db_.changes() != 1) return fail(Errc::kNotFound, "forget receipt", "no receipt for this attempt");

    // Back in flight: broadcast again, or replaced if a newer attempt exists.
    auto att =
        db_.prepare("UPDATE attempts SET state = CASE WHEN replaced_by IS NULL THEN ?2 ELSE ?3 END WHERE id = ?1");
    if (!att) return propagate(std::move(att));
    (*att)->bind(1, id);
    (*att)->bind(2, to_i64(AttemptState::kBroadcast));
    (*att)->bind(3, to_i64(AttemptState::kReplaced));
    if (auto ok = (*att)->run("mark attempt in flight"); !ok) return ok;

    auto upd = db_.prepare(
        "UPDATE intents SET state = ?2 WHERE id = (SELECT intent_id FROM attempts WHERE id = ?1) AND state = ?3 "
        "AND NOT EXISTS (SELECT 1 FROM receipts r JOIN attempts a ON a.id = r.attempt_id "
        "                WHERE a.intent_id = intents.id)");
    if (!upd) return propagate(std::move(upd));
    (*upd)->bind(1, id);
    (*upd)->bind(2, to_i64(IntentState::kBroadcast));
    (*upd)->bind(3, to_i64(IntentState::kIncluded));
    if (auto ok = (*upd)->run("mark intent in flight"); !ok) return ok;
    return tx->commit();
}

// ---- views -------------------------------------------------------------------------------------

Result<std::vector<txm::AttemptView>> Journal::attempts_of(IntentId id) {
    auto sel = db_.prepare(
        "SELECT a.id, a.kind, a.nonce, a.raw, a.tx_hash, a.max_fee_per_gas, a.max_priority_fee, a.gas_limit, "
        "a.state, a.first_broadcast_block, a.last_broadcast_block, r.block_number, r.block_hash, r.status, "
        "a.went_public "
        "FROM attempts a LEFT JOIN receipts r ON r.attempt_id = a.id WHERE a.intent_id = ?1 ORDER BY a.id");
    if (!sel) return propagate(std::move(sel));
    Statement& s = **sel;
    s.bind(1, id);
    std::vector<txm::AttemptView> out;
    for (;;) {
        auto row = s.step("read attempts");
        if (!row) return propagate(std::move(row));
        if (!*row) break;
        txm::AttemptView a;
        a.id = s.column_int(0);
        a.kind = s.column_int(1) == 0 ? AttemptKind::kIntent : AttemptKind::kCancel;
        a.nonce = to_u64(s.column_int(2));
        a.raw = s.column_blob(3);
        auto hash = fixed_column<Hash32>(s, 4, "read attempt tx_hash");
        if (!hash) return propagate(std::move(hash));
        a.tx_hash = *hash;
        auto max_fee = u256_column(s, 5, "read attempt max_fee_per_gas");
        if (!max_fee) return propagate(std::move(max_fee));
        auto tip = u256_column(s, 6, "read attempt max_priority_fee");
        if (!tip) return propagate(std::move(tip));
        a.fees = {*max_fee, *tip};
        a.gas_limit = to_u64(s.column_int(7));
        a.state = static_cast<AttemptState>(s.column_int(8));
        if (auto b = s.column_optional_int(9)) a.first_broadcast_block = to_u64(*b);
        if (auto b = s.column_optional_int(10)) a.last_broadcast_block = to_u64(*b);
        if (auto b = s.column_optional_int(11)) {
            auto block_hash = fixed_column<Hash32>(s, 12, "read receipt block_hash");
            if (!block_hash) return propagate(std::move(block_hash));
            a.receipt = txm::ReceiptRecord{to_u64(*b), *block_hash, s.column_int(13) == 1};
        }
        a.went_public = s.column_int(14) == 1;
        out.push_back(std::move(a));
    }
    s.reset();
    return out;
}

Result<txm::IntentView> Journal::intent_view(IntentId id) {
    auto rec = intent(id);
    if (!rec) return propagate(std::move(rec));
    auto attempts = attempts_of(id);
    if (!attempts) return propagate(std::move(attempts));
    return txm::IntentView{id, rec->state, rec->decision.deadline, std::move(*attempts), rec->nonce};
}

Result<std::vector<txm::IntentView>> Journal::views_of(Statement& ids_query, std::string_view operation) {
    std::vector<IntentId> ids;
    for (;;) {
        auto row = ids_query.step(operation);
        if (!row) return propagate(std::move(row));
        if (!*row) break;
        ids.push_back(ids_query.column_int(0));
    }
    ids_query.reset();
    std::vector<txm::IntentView> out;
    out.reserve(ids.size());
    for (IntentId id : ids) {
        auto view = intent_view(id);
        if (!view) return propagate(std::move(view));
        out.push_back(std::move(*view));
    }
    return out;
}

Result<std::vector<txm::IntentView>> Journal::in_flight(std::uint64_t chain_id, const Address& sender) {
    auto sel = db_.prepare(
        "SELECT i.id FROM intents i JOIN senders s ON s.id = i.sender_id "
        "WHERE s.chain_id = ?1 AND s.address = ?2 AND i.state IN (0, 1, 2, 3) ORDER BY i.id");
    if (!sel) return propagate(std::move(sel));
    (*sel)->bind(1, to_i64(chain_id));
    (*sel)->bind(2, sender.view());
    return views_of(**sel, "read intents in flight");
}

Result<std::vector<txm::IntentView>> Journal::ended_since(std::uint64_t chain_id, const Address& sender,
                                                          std::uint64_t from_block) {
    auto sel = db_.prepare(
        "SELECT DISTINCT i.id FROM intents i JOIN senders s ON s.id = i.sender_id "
        "JOIN attempts a ON a.intent_id = i.id JOIN receipts r ON r.attempt_id = a.id "
        "WHERE s.chain_id = ?1 AND s.address = ?2 AND i.state IN (4, 5, 6) AND r.block_number >= ?3 "
        "ORDER BY i.id");
    if (!sel) return propagate(std::move(sel));
    (*sel)->bind(1, to_i64(chain_id));
    (*sel)->bind(2, sender.view());
    (*sel)->bind(3, to_i64(from_block));
    return views_of(**sel, "read ended intents");
}

Result<std::vector<GasPaid>> Journal::gas_paid(std::uint64_t chain_id, const Address& sender) {
    // The mined attempt of every ended intent (final, failed, cancelled): the receipt that
    // decided it. Summed here, not in SQL: wei totals outgrow SQLite's 64-bit integers.
    auto sel = db_.prepare(
        "SELECT i.vault, r.gas_used, r.effective_gas_price FROM intents i JOIN senders s ON s.id = i.sender_id "
        "JOIN attempts a ON a.intent_id = i.id JOIN receipts r ON r.attempt_id = a.id "
        "WHERE s.chain_id = ?1 AND s.address = ?2 AND i.state IN (4, 5, 6) AND r.gas_used IS NOT NULL "
        "AND r.effective_gas_price IS NOT NULL ORDER BY a.id");
    if (!sel) return propagate(std::move(sel));
    Statement& q = **sel;
    q.bind(1, to_i64(chain_id));
    q.bind(2, sender.view());
    std::vector<GasPaid> out;
    for (;;) {
        auto row = q.step("read gas paid");
        if (!row) return propagate(std::move(row));
        if (!*row) break;
        auto vault = fixed_column<Address>(q, 0, "read gas paid vault");
        if (!vault) return propagate(std::move(vault));
        auto price = u256_column(q, 2, "read receipt effective_gas_price");
        if (!price) return propagate(std::move(price));
        const U256 cost = U256(to_u64(q.column_int(1))) * *price;
        auto it = std::find_if(out.begin(), out.end(), [&](const GasPaid& g) { return g.vault == *vault; });
        if (it == out.end()) {
            out.push_back(GasPaid{*vault, cost, 1});
        } else {
            it->wei += cost;
            ++it->receipts;
        }
    }
    q.reset();
    return out;
}

}  // namespace keeper::journal
