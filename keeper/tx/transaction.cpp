#include "keeper/tx/transaction.hpp"

#include <cassert>
#include <limits>
#include <string>

#include "keeper/crypto/keccak.hpp"
#include "keeper/rlp/encode.hpp"

namespace keeper {

namespace {

// ---- per-field length and encoding ---------------------------------------------------------
// Each field kind has an exact length and an encoder, so a transaction is written in one
// pass into a buffer reserved once.

std::size_t field_length(std::uint64_t n) noexcept {
    return rlp::length(n);
}
std::size_t field_length(const U256& n) noexcept {
    return rlp::length(n);
}
std::size_t field_length(ByteView b) noexcept {
    return rlp::length(b);
}
std::size_t field_length(const std::optional<Address>& to) noexcept {
    return to ? rlp::length(*to) : 1;
}

std::size_t storage_keys_payload(const AccessListEntry& e) noexcept {
    return e.storage_keys.size() * rlp::length(Hash32{});
}
std::size_t entry_payload(const AccessListEntry& e) noexcept {
    const std::size_t keys = storage_keys_payload(e);
    return rlp::length(Address{}) + rlp::length_of_header(keys) + keys;
}
std::size_t access_list_payload(const AccessList& list) noexcept {
    std::size_t total = 0;
    for (const auto& e : list) {
        const std::size_t p = entry_payload(e);
        total += rlp::length_of_header(p) + p;
    }
    return total;
}
std::size_t field_length(const AccessList& list) noexcept {
    const std::size_t p = access_list_payload(list);
    return rlp::length_of_header(p) + p;
}

void encode_field(Bytes& out, std::uint64_t n) {
    rlp::encode(out, n);
}
void encode_field(Bytes& out, const U256& n) {
    rlp::encode(out, n);
}
void encode_field(Bytes& out, ByteView b) {
    rlp::encode(out, b);
}
void encode_field(Bytes& out, const std::optional<Address>& to) {
    if (to) {
        rlp::encode(out, *to);
    } else {
        out.push_back(rlp::kEmptyStringCode);
    }
}
void encode_field(Bytes& out, const AccessList& list) {
    rlp::encode_header(out, {true, access_list_payload(list)});
    for (const auto& e : list) {
        rlp::encode_header(out, {true, entry_payload(e)});
        rlp::encode(out, e.account);
        rlp::encode_header(out, {true, storage_keys_payload(e)});
        for (const auto& k : e.storage_keys) rlp::encode(out, k);
    }
}

/// Calls `visit` on each field of the unsigned part, in wire order.
template <class Visit>
void visit_unsigned(const UnsignedTransaction& tx, Visit&& visit) {
    switch (tx.type) {
        case TransactionType::kLegacy:
            visit(tx.nonce);
            visit(tx.gas_price);
            visit(tx.gas_limit);
            visit(tx.to);
            visit(tx.value);
            visit(ByteView(tx.data));
            return;
        case TransactionType::kAccessList:
            assert(tx.chain_id && "typed transactions carry a chain id");
            visit(tx.chain_id.value_or(0));
            visit(tx.nonce);
            visit(tx.gas_price);
            visit(tx.gas_limit);
            visit(tx.to);
            visit(tx.value);
            visit(ByteView(tx.data));
            visit(tx.access_list);
            return;
        case TransactionType::kDynamicFee:
            assert(tx.chain_id && "typed transactions carry a chain id");
            visit(tx.chain_id.value_or(0));
            visit(tx.nonce);
            visit(tx.max_priority_fee_per_gas);
            visit(tx.max_fee_per_gas);
            visit(tx.gas_limit);
            visit(tx.to);
            visit(tx.value);
            visit(ByteView(tx.data));
            visit(tx.access_list);
            return;
    }
}

/// Writes [type byte] || list header || unsigned fields || tail fields.
template <class Tail>
void encode_envelope(Bytes& out, const UnsignedTransaction& tx, Tail&& tail) {
    std::size_t payload = 0;
    const auto add_length = [&payload](const auto& f) { payload += field_length(f); };
    visit_unsigned(tx, add_length);
    tail(add_length);
    const std::size_t typed = tx.type == TransactionType::kLegacy ? 0 : 1;
    out.reserve(out.size() + typed + rlp::length_of_header(payload) + payload);
    if (typed != 0) out.push_back(static_cast<std::uint8_t>(tx.type));
    rlp::encode_header(out, {true, payload});
    const auto write = [&out](const auto& f) { encode_field(out, f); };
    visit_unsigned(tx, write);
    tail(write);
}

// ---- decoding -------------------------------------------------------------------------------

Unexpected<TxDecodingError> rlp_error(rlp::DecodingError e) {
    return Unexpected(TxDecodingError{TxError::kMalformedRlp, e});
}

using FieldResult = Expected<void, TxDecodingError>;

template <class T>
FieldResult read(ByteView& in, T& out) {
    if (auto ok = rlp::decode(in, out, rlp::Leftover::kAllow); !ok) return rlp_error(ok.error());
    return {};
}

FieldResult read(ByteView& in, std::optional<Address>& to) {
    auto str = rlp::decode_string(in, rlp::Leftover::kAllow);
    if (!str) return rlp_error(str.error());
    if (str->empty()) {
        to.reset();
        return {};
    }
    Address a;
    if (!Address::from_view(*str, a)) return rlp_error(rlp::DecodingError::kUnexpectedLength);
    to = a;
    return {};
}

FieldResult read(ByteView& in, AccessList& list) {
    auto payload = rlp::decode_list(in, rlp::Leftover::kAllow);
    if (!payload) return rlp_error(payload.error());
    list.clear();
    while (!payload->empty()) {
        auto entry = rlp::decode_list(*payload, rlp::Leftover::kAllow);
        if (!entry) return rlp_error(entry.error());
        AccessListEntry e;
        if (auto ok = read(*entry, e.account); !ok) return ok;
        auto keys = rlp::decode_list(*entry, rlp::Leftover::kProhibit);
        if (!keys) {
            // Trailing data after the key list is an extra element, not a stray byte.
            return rlp_error(keys.error() == rlp::DecodingError::kInputTooLong
                                 ? rlp::DecodingError::kUnexpectedListElements
                                 : keys.error());
        }
        while (!keys->empty()) {
            Hash32 k;
            if (auto ok = read(*keys, k); !ok) return ok;
            e.storage_keys.push_back(k);
        }
        list.push_back(std::move(e));
    }
    return {};
}

/// Reads each field in order; the caller checks for extra elements afterwards.
template <class... Fields>
FieldResult read_all(ByteView& in, Fields&... fields) {
    FieldResult result;
    // Left-to-right, stopping at the first failure.
    (void)((result = read(in, fields), static_cast<bool>(result)) && ...);
    return result;
}

}  // namespace

// ---- UnsignedTransaction -------------------------------------------------------------------

void UnsignedTransaction::encode_for_signing(Bytes& out) const {
    const bool eip155 = type == TransactionType::kLegacy && chain_id.has_value();
    encode_envelope(out, *this, [&](const auto& visit) {
        if (eip155) {
            visit(*chain_id);
            visit(std::uint64_t{0});
            visit(std::uint64_t{0});
        }
    });
}

Bytes UnsignedTransaction::encode_for_signing() const {
    Bytes out;
    encode_for_signing(out);
    return out;
}

Hash32 UnsignedTransaction::signing_hash() const {
    return keccak256(encode_for_signing());
}

// ---- SignedTransaction ---------------------------------------------------------------------

U256 SignedTransaction::v() const {
    if (type != TransactionType::kLegacy) return y_parity;
    if (chain_id) return U256(*chain_id) * 2 + 35 + y_parity;
    return U256(27 + y_parity);
}

void SignedTransaction::encode(Bytes& out) const {
    encode_envelope(out, *this, [&](const auto& visit) {
        if (type == TransactionType::kLegacy) {
            visit(v());
        } else {
            visit(std::uint64_t{y_parity});
        }
        visit(r);
        visit(s);
    });
}

Bytes SignedTransaction::encode() const {
    Bytes out;
    encode(out);
    return out;
}

Hash32 SignedTransaction::hash() const {
    return keccak256(encode());
}

Expected<SignedTransaction, TxDecodingError> SignedTransaction::decode(ByteView raw) {
    if (raw.empty()) return Unexpected(TxDecodingError{TxError::kEmptyInput, {}});
    SignedTransaction tx;
    if (raw[0] >= rlp::kEmptyListCode) {
        tx.type = TransactionType::kLegacy;
    } else if (raw[0] >= rlp::kEmptyStringCode) {
        return rlp_error(rlp::DecodingError::kUnexpectedString);  // neither a list nor a type byte
    } else if (raw[0] == static_cast<std::uint8_t>(TransactionType::kAccessList) ||
               raw[0] == static_cast<std::uint8_t>(TransactionType::kDynamicFee)) {
        tx.type = static_cast<TransactionType>(raw[0]);
        raw = raw.subspan(1);
    } else {
        return Unexpected(TxDecodingError{TxError::kUnsupportedType, {}});
    }

    auto payload = rlp::decode_list(raw, rlp::Leftover::kProhibit);
    if (!payload) return rlp_error(payload.error());
    ByteView& in = *payload;

    FieldResult ok;
    std::uint64_t chain_id = 0;
    std::uint64_t y_parity = 0;
    U256 v;
    switch (tx.type) {
        case TransactionType::kLegacy:
            ok = read_all(in, tx.nonce, tx.gas_price, tx.gas_limit, tx.to, tx.value, tx.data, v, tx.r, tx.s);
            break;
        case TransactionType::kAccessList:
            ok = read_all(in, chain_id, tx.nonce, tx.gas_price, tx.gas_limit, tx.to, tx.value, tx.data, tx.access_list,
                          y_parity, tx.r, tx.s);
            break;
        case TransactionType::kDynamicFee:
            ok = read_all(in, chain_id, tx.nonce, tx.max_priority_fee_per_gas, tx.max_fee_per_gas, tx.gas_limit, tx.to,
                          tx.value, tx.data, tx.access_list, y_parity, tx.r, tx.s);
            break;
    }
    if (!ok) return Unexpected(ok.error());
    if (!in.empty()) return rlp_error(rlp::DecodingError::kUnexpectedListElements);

    if (tx.type == TransactionType::kLegacy) {
        if (v == 27 || v == 28) {
            tx.y_parity = static_cast<std::uint8_t>(v - 27);
        } else if (v >= 35) {
            const U256 id = (v - 35) / 2;
            if (id > std::numeric_limits<std::uint64_t>::max())
                return Unexpected(TxDecodingError{TxError::kInvalidV, {}});
            tx.chain_id = static_cast<std::uint64_t>(id);
            tx.y_parity = static_cast<std::uint8_t>((v - 35) % 2);
        } else {
            return Unexpected(TxDecodingError{TxError::kInvalidV, {}});
        }
    } else {
        if (y_parity > 1) return Unexpected(TxDecodingError{TxError::kInvalidYParity, {}});
        tx.chain_id = chain_id;
        tx.y_parity = static_cast<std::uint8_t>(y_parity);
    }
    return tx;
}

Expected<Address, SignError> SignedTransaction::recover_sender() const {
    return recover_address(signing_hash(), signature());
}

std::string to_string(const TxDecodingError& e) {
    switch (e.kind) {
        case TxError::kMalformedRlp:
            return "malformed RLP: " + std::string(rlp::to_string(e.rlp));
        case TxError::kEmptyInput:
            return "empty transaction";
        case TxError::kUnsupportedType:
            return "unsupported transaction type (expected legacy, 0x01 or 0x02)";
        case TxError::kInvalidV:
            return "invalid legacy v (expected 27, 28 or chain_id * 2 + 35/36)";
        case TxError::kInvalidYParity:
            return "invalid y parity (expected 0 or 1)";
    }
    return "unknown transaction error";
}

// ---- signing --------------------------------------------------------------------------------

Expected<SignedTransaction, SignError> sign(const UnsignedTransaction& tx, const SecretKey& key) {
    assert((tx.type == TransactionType::kLegacy || tx.chain_id) && "typed transactions carry a chain id");
    const auto sig = sign_hash(key, tx.signing_hash());
    if (!sig) return Unexpected(sig.error());
    SignedTransaction out;
    static_cast<UnsignedTransaction&>(out) = tx;
    out.r = sig->r;
    out.s = sig->s;
    out.y_parity = sig->y_parity;
    return out;
}

}  // namespace keeper
