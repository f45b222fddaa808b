// Ethereum transactions: legacy (with EIP-155 replay protection), EIP-2930 access-list and
// EIP-1559 dynamic-fee, as EIP-2718 envelopes. Encoding, signing hashes, signing, strict
// decoding of raw signed transactions, and sender recovery.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "keeper/core/bytes.hpp"
#include "keeper/core/expected.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/crypto/secp256k1.hpp"
#include "keeper/rlp/decode.hpp"

namespace keeper {

enum class TransactionType : std::uint8_t {
    kLegacy = 0,
    kAccessList = 1,  // EIP-2930
    kDynamicFee = 2,  // EIP-1559
};

struct AccessListEntry {
    Address account;
    std::vector<Hash32> storage_keys;
    bool operator==(const AccessListEntry&) const = default;
};
using AccessList = std::vector<AccessListEntry>;

/// The fields a sender signs. Fields that a type does not carry (gas_price for EIP-1559,
/// the two fee caps for legacy and EIP-2930, the access list for legacy) are ignored when
/// encoding and left zero/empty when decoding.
struct UnsignedTransaction {
    TransactionType type{TransactionType::kDynamicFee};
    /// Required for typed transactions. For legacy, present means EIP-155 replay protection;
    /// absent means a pre-EIP-155 transaction (v = 27/28), which only decoding produces.
    std::optional<std::uint64_t> chain_id;
    std::uint64_t nonce{0};
    U256 gas_price{0};                 // legacy, EIP-2930
    U256 max_priority_fee_per_gas{0};  // EIP-1559
    U256 max_fee_per_gas{0};           // EIP-1559
    std::uint64_t gas_limit{0};
    std::optional<Address> to;  // absent: contract creation
    U256 value{0};
    Bytes data;
    AccessList access_list;  // EIP-2930, EIP-1559

    /// The signing payload: type byte (typed only) || rlp(fields), with EIP-155's
    /// (chain_id, 0, 0) appended for protected legacy transactions.
    [[nodiscard]] Bytes encode_for_signing() const;
    void encode_for_signing(Bytes& to) const;
    /// keccak256(encode_for_signing()).
    [[nodiscard]] Hash32 signing_hash() const;

    bool operator==(const UnsignedTransaction&) const = default;
};

enum class TxError : std::uint8_t {
    kMalformedRlp,  // see TxDecodingError::rlp for the exact defect
    kEmptyInput,
    kUnsupportedType,  // an EIP-2718 type byte other than 1 or 2
    kInvalidV,         // legacy v not 27, 28 or >= 35
    kInvalidYParity,   // typed y_parity not 0 or 1
};

struct TxDecodingError {
    TxError kind{TxError::kMalformedRlp};
    rlp::DecodingError rlp{rlp::DecodingError::kInputTooShort};  // meaningful for kMalformedRlp
    bool operator==(const TxDecodingError&) const = default;
};
[[nodiscard]] std::string to_string(const TxDecodingError& e);

struct SignedTransaction : UnsignedTransaction {
    U256 r{0};
    U256 s{0};
    std::uint8_t y_parity{0};

    [[nodiscard]] Signature signature() const noexcept { return {r, s, y_parity}; }
    /// Legacy v: chain_id * 2 + 35 + y_parity (EIP-155) or 27 + y_parity; typed: y_parity.
    [[nodiscard]] U256 v() const;

    /// The raw transaction as broadcast (eth_sendRawTransaction): the EIP-2718 envelope
    /// type || rlp(fields, y_parity, r, s), or rlp(fields, v, r, s) for legacy.
    [[nodiscard]] Bytes encode() const;
    void encode(Bytes& to) const;
    /// keccak256(encode()): the transaction hash.
    [[nodiscard]] Hash32 hash() const;

    /// Strict decoding of a raw signed transaction: canonical RLP only, no trailing bytes,
    /// type 1 or 2 or a legacy list. Every accepted input re-encodes to the same bytes.
    [[nodiscard]] static Expected<SignedTransaction, TxDecodingError> decode(ByteView raw);

    /// The signer's address (rejects high-s and out-of-range signatures).
    [[nodiscard]] Expected<Address, SignError> recover_sender() const;

    bool operator==(const SignedTransaction&) const = default;
};

/// Signs `tx` with `key`. Typed transactions must carry a chain id (asserted).
[[nodiscard]] Expected<SignedTransaction, SignError> sign(const UnsignedTransaction& tx, const SecretKey& key);

}  // namespace keeper
