#include "keeper/ops/hardening.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace keeper::ops {

Expected<void, std::string> forbid_core_dumps() {
    const rlimit none{0, 0};
    if (::setrlimit(RLIMIT_CORE, &none) != 0)
        return Unexpected(std::string("setrlimit(RLIMIT_CORE, 0): ") + std::strerror(errno));
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return Unexpected(std::string("prctl(PR_SET_DUMPABLE, 0): ") + std::strerror(errno));
    return {};
}

}  // namespace keeper::ops
