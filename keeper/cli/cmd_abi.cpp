// Placeholder until the abi commands land (owned by the abi layer's work).
#include "keeper/cli/command.hpp"

namespace keeper::cli {
void register_abi_commands(CLI::App& /*app*/) {}
}  // namespace keeper::cli
