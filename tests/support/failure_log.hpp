// Logs worth reading when a test case fails, printed after Catch's report of the failure rather
// than before it: a daemon test's log runs to a hundred lines, and a failure printed after them
// was cut from CI's excerpt. A test asks the runner for a log file; the runner's listener
// (tests/catch_main.cpp) prints the file's tail only if the test case failed, and removes the
// file when the test case ends (after the test's own objects, which may still be writing it).
#pragma once

#include <string>

namespace keeper::test {

/// A new file path, shown under `title` if the running test case fails; removed when it ends.
[[nodiscard]] std::string log_file_shown_on_failure(const std::string& title);

}  // namespace keeper::test
