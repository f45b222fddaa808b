#include "keeper/submit/submitter.hpp"

namespace keeper::submit {

std::string_view to_string(SubmitStatus s) noexcept {
    switch (s) {
        case SubmitStatus::kAccepted:
            return "accepted";
        case SubmitStatus::kRejected:
            return "rejected";
        case SubmitStatus::kUnavailable:
            return "unavailable";
    }
    return "unknown";
}

std::string_view to_string(Visibility v) noexcept {
    switch (v) {
        case Visibility::kPending:
            return "pending";
        case Visibility::kUnknown:
            return "unknown";
        case Visibility::kExpired:
            return "expired";
        case Visibility::kCancelled:
            return "cancelled";
        case Visibility::kFailed:
            return "failed";
    }
    return "unknown";
}

}  // namespace keeper::submit
