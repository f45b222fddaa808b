// Placeholder until the wallet commands land (owned by the wallet layer's work).
#include "keeper/cli/command.hpp"

namespace keeper::cli {
void register_wallet_commands(CLI::App& /*app*/) {}
}  // namespace keeper::cli
