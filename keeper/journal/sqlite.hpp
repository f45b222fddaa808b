// Move-only RAII wrappers over the SQLite C API (sqlite3*, sqlite3_stmt*), in the spirit of
// evmc's Result: a handle owns exactly one resource and releases it in its destructor.
// Statements are prepared once and cached by their SQL text on the connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "keeper/core/bytes.hpp"
#include "keeper/journal/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace keeper::journal {

/// A prepared statement. Owned by the Database's cache and handed out as a reference; reset
/// and cleared of bindings before each use by Database::prepare().
class Statement {
public:
    explicit Statement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based, as in SQLite.
    void bind(int index, std::int64_t v) noexcept;
    void bind(int index, std::string_view text) noexcept;
    void bind(int index, ByteView blob) noexcept;
    void bind_null(int index) noexcept;
    void bind(int index, std::optional<std::int64_t> v) noexcept;

    /// Steps once: true if a row is available, false when done. `operation` names the failure.
    [[nodiscard]] Result<bool> step(std::string_view operation);
    /// Steps to completion, for statements that return no rows.
    [[nodiscard]] Result<void> run(std::string_view operation);

    // Columns are 0-based, as in SQLite.
    [[nodiscard]] std::int64_t column_int(int index) const noexcept;
    [[nodiscard]] std::optional<std::int64_t> column_optional_int(int index) const noexcept;
    [[nodiscard]] std::string column_text(int index) const;
    [[nodiscard]] Bytes column_blob(int index) const;

    void reset() noexcept;
    [[nodiscard]] sqlite3_stmt* get() const noexcept { return stmt_; }

private:
    sqlite3_stmt* stmt_{nullptr};
};

/// One connection. Not thread-safe: the daemon owns it on its event-loop thread.
class Database {
public:
    /// Opens (creating if needed) the file with extended result codes and full mutexes off.
    [[nodiscard]] static Result<Database> open(const std::string& path);

    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    /// Runs one or more statements without results (DDL, PRAGMAs that return nothing useful).
    [[nodiscard]] Result<void> exec(std::string_view sql, std::string_view operation);
    /// The cached statement for `sql`, reset with its bindings cleared.
    [[nodiscard]] Result<Statement*> prepare(std::string_view sql);
    /// Runs a single-value query (e.g. "PRAGMA journal_mode") and returns the value as text.
    [[nodiscard]] Result<std::string> query_text(std::string_view sql, std::string_view operation);
    [[nodiscard]] Result<std::int64_t> query_int(std::string_view sql, std::string_view operation);

    [[nodiscard]] std::int64_t last_insert_rowid() const noexcept;
    [[nodiscard]] int changes() const noexcept;
    [[nodiscard]] sqlite3* get() const noexcept { return db_; }

private:
    explicit Database(sqlite3* db) noexcept : db_(db) {}
    void close() noexcept;

    sqlite3* db_{nullptr};
    std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

/// Maps an SQLite result code to a journal error naming `operation` and SQLite's message.
[[nodiscard]] Error sqlite_error(sqlite3* db, int rc, std::string_view operation);

/// BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless commit() succeeded. IMMEDIATE
/// takes the write lock up front, so a transaction never fails half-way on a lock upgrade.
class Transaction {
public:
    [[nodiscard]] static Result<Transaction> begin(Database& db, std::string_view operation);
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    /// COMMIT. With synchronous=FULL the data is on disk when this returns success.
    [[nodiscard]] Result<void> commit();

private:
    Transaction(Database& db, std::string_view operation) noexcept : db_(&db), operation_(operation) {}
    Database* db_;
    std::string operation_;
};

}  // namespace keeper::journal
