// Journal errors: a typed code plus a message naming the operation and SQLite's own text
// ("insert attempt: UNIQUE constraint failed: attempts.tx_hash"). Messages carry table and
// column names, never bound values: raw transactions are public, but nothing here should
// grow into a channel for data the caller did not mean to print.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "keeper/core/expected.hpp"

namespace keeper::journal {

enum class Errc : std::uint8_t {
    kOpen,          // sqlite3_open_v2 failed (path, permissions)
    kPragma,        // a required PRAGMA did not take effect (e.g. WAL unavailable)
    kSchemaTooNew,  // the file was written by a newer keeper: refuse to guess
    kMigration,     // a migration step failed (rolled back)
    kPrepare,       // a statement did not compile
    kStep,          // a statement failed while running
    kBusy,          // the database stayed locked past the busy timeout
    kConstraint,    // a UNIQUE/FOREIGN KEY/CHECK constraint rejected the write
    kNotFound,      // the referenced row does not exist
    kInvalidState,  // the transition is not allowed from the row's current state
    kCorrupt,       // a stored value does not decode (wrong blob size, bad number)
};
[[nodiscard]] std::string_view to_string(Errc e) noexcept;

struct Error {
    Errc code{Errc::kStep};
    std::string message;  // "<operation>: <detail>"
};

template <class T>
using Result = Expected<T, Error>;

[[nodiscard]] inline Unexpected<Error> fail(Errc code, std::string_view operation, std::string_view detail) {
    std::string m(operation);
    m += ": ";
    m += detail;
    return Unexpected(Error{code, std::move(m)});
}

}  // namespace keeper::journal
