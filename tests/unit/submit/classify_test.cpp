// eth_sendRawTransaction error wordings of the clients the keeper meets, classified.
#include <catch2/catch.hpp>

#include "keeper/submit/public_submitter.hpp"

using keeper::submit::classify_send_error;
using keeper::submit::SendErrorClass;
using keeper::submit::SubmitStatus;
using keeper::submit::Visibility;

TEST_CASE("node answers for bytes it already holds are 'already known'") {
    CHECK(classify_send_error("already known") == SendErrorClass::kAlreadyKnown);                   // geth, erigon
    CHECK(classify_send_error("transaction already imported") == SendErrorClass::kAlreadyKnown);    // anvil
    CHECK(classify_send_error("Known transaction (abc)") == SendErrorClass::kAlreadyKnown);         // parity
    CHECK(classify_send_error("AlreadyKnown") == SendErrorClass::kAlreadyKnown);                    // nethermind
    CHECK(classify_send_error("ALREADY KNOWN") == SendErrorClass::kAlreadyKnown);
}

TEST_CASE("consumed nonces are 'nonce too low', everything else is a refusal") {
    CHECK(classify_send_error("nonce too low") == SendErrorClass::kNonceTooLow);
    CHECK(classify_send_error("nonce too low: next nonce 5, tx nonce 3") == SendErrorClass::kNonceTooLow);
    CHECK(classify_send_error("OldNonce") == SendErrorClass::kNonceTooLow);
    CHECK(classify_send_error("nonce has already been used") == SendErrorClass::kNonceTooLow);
    CHECK(classify_send_error("replacement transaction underpriced") == SendErrorClass::kOther);
    CHECK(classify_send_error("insufficient funds for gas * price + value") == SendErrorClass::kOther);
    CHECK(classify_send_error("max fee per gas less than block base fee") == SendErrorClass::kOther);
    CHECK(classify_send_error("") == SendErrorClass::kOther);
}

TEST_CASE("status and visibility names") {
    CHECK(to_string(SubmitStatus::kAccepted) == "accepted");
    CHECK(to_string(SubmitStatus::kRejected) == "rejected");
    CHECK(to_string(SubmitStatus::kUnavailable) == "unavailable");
    CHECK(to_string(Visibility::kPending) == "pending");
    CHECK(to_string(Visibility::kUnknown) == "unknown");
    CHECK(to_string(Visibility::kExpired) == "expired");
}
