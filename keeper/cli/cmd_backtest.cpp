// Placeholder until the backtest command lands (owned by the pricing/policy/sim work).
#include "keeper/cli/command.hpp"

namespace keeper::cli {
void register_backtest_commands(CLI::App& /*app*/) {}
}  // namespace keeper::cli
