// Process hardening for a process that holds decrypted keys: no core file, and not dumpable
// (no ptrace attach by other processes of the same user, /proc/<pid>/mem unreadable to them).
// A crash then leaves the journal and the log, never an image of the key in memory.
#pragma once

#include <string>

#include "keeper/core/expected.hpp"

namespace keeper::ops {

/// Sets RLIMIT_CORE to 0 (soft and hard) and PR_SET_DUMPABLE to 0. Call before any key is
/// decrypted. An error names the call that failed; the caller decides whether to go on.
[[nodiscard]] Expected<void, std::string> forbid_core_dumps();

}  // namespace keeper::ops
