// Placeholder until the tx commands land (owned by the tx layer's work).
#include "keeper/cli/command.hpp"

namespace keeper::cli {
void register_tx_commands(CLI::App& /*app*/) {}
}  // namespace keeper::cli
