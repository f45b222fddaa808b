#include "keeper/journal/sqlite.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <utility>

namespace keeper::journal {

namespace {
// SQLITE_TRANSIENT without its C-style cast: SQLite copies the bound value before returning.
const auto kTransient = reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));  // NOLINT
}  // namespace

std::string_view to_string(Errc e) noexcept {
    switch (e) {
        case Errc::kOpen:
            return "open";
        case Errc::kPragma:
            return "pragma";
        case Errc::kSchemaTooNew:
            return "schema too new";
        case Errc::kMigration:
            return "migration";
        case Errc::kPrepare:
            return "prepare";
        case Errc::kStep:
            return "step";
        case Errc::kBusy:
            return "busy";
        case Errc::kConstraint:
            return "constraint";
        case Errc::kNotFound:
            return "not found";
        case Errc::kInvalidState:
            return "invalid state";
        case Errc::kCorrupt:
            return "corrupt";
    }
    return "unknown";
}

Error sqlite_error(sqlite3* db, int rc, std::string_view operation) {
    Errc code = Errc::kStep;
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            code = Errc::kBusy;
            break;
        case SQLITE_CONSTRAINT:
            code = Errc::kConstraint;
            break;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            code = Errc::kCorrupt;
            break;
        default:
            break;
    }
    const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    std::string m(operation);
    m += ": ";
    m += detail != nullptr ? detail : "unknown SQLite error";
    return Error{code, std::move(m)};
}

// ---- Statement ---------------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

void Statement::bind(int index, std::int64_t v) noexcept {
    sqlite3_bind_int64(stmt_, index, v);
}

void Statement::bind(int index, std::string_view text) noexcept {
    sqlite3_bind_text64(stmt_, index, text.data(), text.size(), kTransient, SQLITE_UTF8);
}

void Statement::bind(int index, ByteView blob) noexcept {
    // A zero-length blob must still be a blob, not NULL: sqlite3_bind_zeroblob for empty input.
    if (blob.empty())
        sqlite3_bind_zeroblob(stmt_, index, 0);
    else
        sqlite3_bind_blob64(stmt_, index, blob.data(), blob.size(), kTransient);
}

void Statement::bind_null(int index) noexcept {
    sqlite3_bind_null(stmt_, index);
}

void Statement::bind(int index, std::optional<std::int64_t> v) noexcept {
    if (v)
        bind(index, *v);
    else
        bind_null(index);
}

Result<bool> Statement::step(std::string_view operation) {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Error e = sqlite_error(sqlite3_db_handle(stmt_), rc, operation);
    sqlite3_reset(stmt_);
    return Unexpected(std::move(e));
}

Result<void> Statement::run(std::string_view operation) {
    for (;;) {
        auto row = step(operation);
        if (!row) return Unexpected(std::move(row).error());
        if (!*row) break;
    }
    sqlite3_reset(stmt_);
    return {};
}

std::int64_t Statement::column_int(int index) const noexcept {
    return sqlite3_column_int64(stmt_, index);
}

std::optional<std::int64_t> Statement::column_optional_int(int index) const noexcept {
    if (sqlite3_column_type(stmt_, index) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_int64(stmt_, index);
}

std::string Statement::column_text(int index) const {
    const unsigned char* p = sqlite3_column_text(stmt_, index);
    const int n = sqlite3_column_bytes(stmt_, index);
    if (p == nullptr || n <= 0) return {};
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));  // NOLINT
}

Bytes Statement::column_blob(int index) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index));
    const int n = sqlite3_column_bytes(stmt_, index);
    if (p == nullptr || n <= 0) return {};
    return Bytes(p, p + n);
}

void Statement::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

// ---- Database ----------------------------------------------------------------------------------

Result<Database> Database::open(const std::string& path) {
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        Error e = sqlite_error(db, rc, "open journal");
        e.code = Errc::kOpen;
        sqlite3_close(db);  // a handle is returned even on failure and must be closed
        return Unexpected(std::move(e));
    }
    sqlite3_extended_result_codes(db, 1);
    return Database(db);
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), cache_(std::move(other.cache_)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        close();
        db_ = std::exchange(other.db_, nullptr);
        cache_ = std::move(other.cache_);
    }
    return *this;
}

Database::~Database() {
    close();
}

void Database::close() noexcept {
    cache_.clear();  // finalize every statement first, or sqlite3_close reports SQLITE_BUSY
    if (db_ != nullptr) sqlite3_close(db_);
    db_ = nullptr;
}

Result<void> Database::exec(std::string_view sql, std::string_view operation) {
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return Unexpected(sqlite_error(db_, rc, operation));
    return {};
}

Result<Statement*> Database::prepare(std::string_view sql) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) {
        it->second->reset();
        return it->second.get();
    }
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        Error e = sqlite_error(db_, rc, "prepare statement");
        if (e.code == Errc::kStep) e.code = Errc::kPrepare;  // keep busy, corrupt: they say more
        return Unexpected(std::move(e));
    }
    auto owned = std::make_unique<Statement>(stmt);
    Statement* out = owned.get();
    cache_.emplace(std::move(key), std::move(owned));
    return out;
}

Result<std::string> Database::query_text(std::string_view sql, std::string_view operation) {
    auto stmt = prepare(sql);
    if (!stmt) return Unexpected(std::move(stmt).error());
    auto row = (*stmt)->step(operation);
    if (!row) return Unexpected(std::move(row).error());
    std::string out = *row ? (*stmt)->column_text(0) : std::string{};
    (*stmt)->reset();
    return out;
}

Result<std::int64_t> Database::query_int(std::string_view sql, std::string_view operation) {
    auto stmt = prepare(sql);
    if (!stmt) return Unexpected(std::move(stmt).error());
    auto row = (*stmt)->step(operation);
    if (!row) return Unexpected(std::move(row).error());
    const std::int64_t out = *row ? (*stmt)->column_int(0) : 0;
    (*stmt)->reset();
    return out;
}

std::int64_t Database::last_insert_rowid() const noexcept {
    return sqlite3_last_insert_rowid(db_);
}

int Database::changes() const noexcept {
    return sqlite3_changes(db_);
}

// ---- Transaction -------------------------------------------------------------------------------

Result<Transaction> Transaction::begin(Database& db, std::string_view operation) {
    auto ok = db.exec("BEGIN IMMEDIATE", operation);
    if (!ok) return Unexpected(ok.error());
    return Transaction(db, operation);
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), operation_(std::move(other.operation_)) {}

Transaction::~Transaction() {
    if (db_ != nullptr) (void)db_->exec("ROLLBACK", operation_);
}

Result<void> Transaction::commit() {
    auto ok = db_->exec("COMMIT", operation_);
    if (!ok) return ok;  // still open: the destructor rolls back
    db_ = nullptr;
    return {};
}

}  // namespace keeper::journal
