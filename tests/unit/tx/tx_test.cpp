// Transactions: the EIP-155 example, typed vectors, strict decoding errors.
#include <catch2/catch.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/keccak.hpp"
#include "keeper/tx/json.hpp"
#include "keeper/tx/transaction.hpp"

using namespace keeper;

namespace {

SecretKey eip155_key() {
    auto key = SecretKey::from_bytes("0x4646464646464646464646464646464646464646464646464646464646464646"_hex);
    REQUIRE(key.has_value());
    return std::move(*key);
}

constexpr Address kEip155Sender = "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f"_address;
constexpr Address kTo = "0x3535353535353535353535353535353535353535"_address;
const U256 kGwei = 1'000'000'000;
const U256 kEther = U256(1'000'000'000) * 1'000'000'000;

UnsignedTransaction eip155_example() {
    UnsignedTransaction tx;
    tx.type = TransactionType::kLegacy;
    tx.chain_id = 1;
    tx.nonce = 9;
    tx.gas_price = 20 * kGwei;
    tx.gas_limit = 21000;
    tx.to = kTo;
    tx.value = kEther;
    return tx;
}

SignedTransaction decode_ok(const Bytes& raw) {
    auto tx = SignedTransaction::decode(raw);
    if (!tx) FAIL(to_string(tx.error()));
    return *tx;
}

TxDecodingError decode_error(const Bytes& raw) {
    auto tx = SignedTransaction::decode(raw);
    REQUIRE_FALSE(tx.has_value());
    return tx.error();
}

TxDecodingError rlp_defect(rlp::DecodingError e) {
    return {TxError::kMalformedRlp, e};
}
TxDecodingError defect(TxError e) {
    return {e, rlp::DecodingError::kInputTooShort};
}

}  // namespace

TEST_CASE("EIP-155 example from the EIP") {
    const UnsignedTransaction tx = eip155_example();
    CHECK(tx.encode_for_signing() ==
          "0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080"_hex);
    CHECK(tx.signing_hash() == "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"_hash);

    const auto signed_tx = sign(tx, eip155_key());
    REQUIRE(signed_tx.has_value());
    CHECK(signed_tx->v() == 37);
    CHECK(to_dec(signed_tx->r) == "18515461264373351373200002665853028612451056578545711640558177340181847433846");
    CHECK(to_dec(signed_tx->s) == "46948507304638947509940763649030358759909902576025900602547168820602576006531");
    const Bytes raw =
        "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"_hex;
    CHECK(signed_tx->encode() == raw);
    CHECK(signed_tx->hash() == keccak256(raw));
    CHECK(signed_tx->hash() == "0x33469b22e9f636356c4160a87eb19df52b7412e8eac32a4a55ffe88ea8350788"_hash);

    const SignedTransaction decoded = decode_ok(raw);
    CHECK(decoded == *signed_tx);
    CHECK(static_cast<const UnsignedTransaction&>(decoded) == tx);
    CHECK(*decoded.recover_sender() == kEip155Sender);
}

TEST_CASE("typed transactions: vectors signed by cast mktx") {
    // `cast mktx --private-key 0x4646..46 --chain 1 --nonce 9 --gas-limit 21000 --gas-price 20gwei
    //  --priority-gas-price 1gwei --value 1ether 0x3535..35 0xdeadbeef`
    UnsignedTransaction dyn;
    dyn.type = TransactionType::kDynamicFee;
    dyn.chain_id = 1;
    dyn.nonce = 9;
    dyn.max_priority_fee_per_gas = kGwei;
    dyn.max_fee_per_gas = 20 * kGwei;
    dyn.gas_limit = 21000;
    dyn.to = kTo;
    dyn.value = kEther;
    dyn.data = "0xdeadbeef"_hex;
    const Bytes dyn_raw =
        "0x02f8770109843b9aca008504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000084deadbeefc001a010f90ccd40d0745f6cd66e3e7babdb22deda93055da19ddd28078e7b4a7a86eba027ae1fbaf5d724d56520aa1ba1caec735d590980b6968d2d74b7d3c1d55f4221"_hex;
    CHECK(sign(dyn, eip155_key())->encode() == dyn_raw);
    CHECK(decode_ok(dyn_raw).hash() == "0x86794323d2607b20ddd95a6aff7e816b12123b11795524dc7fbae6fa59cbf28f"_hash);

    // `... --chain 5 --nonce 0 --gas-limit 100000 --gas-price 3 --priority-gas-price 2 --create 0x6080`
    UnsignedTransaction create;
    create.type = TransactionType::kDynamicFee;
    create.chain_id = 5;
    create.max_priority_fee_per_gas = 2;
    create.max_fee_per_gas = 3;
    create.gas_limit = 100000;
    create.data = "0x6080"_hex;
    const Bytes create_raw =
        "0x02f85105800203830186a08080826080c001a07766b1b66fbc68830144c64b7a8f688b4d0c04037df98c3cbe14bca24d7f764da01e706b32bc483e3b8e3a10e340666dd61db76bbe5a18e1b68dc0c2daeed8e1dc"_hex;
    CHECK(sign(create, eip155_key())->encode() == create_raw);
    CHECK_FALSE(decode_ok(create_raw).to.has_value());

    // `... --legacy --access-list '[{"address":"0x3535..35","storageKeys":["0x00..01"]}]'` (EIP-2930)
    UnsignedTransaction al;
    al.type = TransactionType::kAccessList;
    al.chain_id = 1;
    al.nonce = 9;
    al.gas_price = 20 * kGwei;
    al.gas_limit = 21000;
    al.to = kTo;
    al.access_list = {{kTo, {"0x0000000000000000000000000000000000000000000000000000000000000001"_hash}}};
    const Bytes al_raw =
        "0x01f89f01098504a817c8008252089435353535353535353535353535353535353535358080f838f7943535353535353535353535353535353535353535e1a0000000000000000000000000000000000000000000000000000000000000000101a0e9ad163a637de9e57f5b181472275e9657e640633c337f4590af192e4a331b42a02bc98195464f65d7da64acc82fad7ce8cc6df33bed21dca8c71006379d3da69e"_hex;
    const auto al_signed = sign(al, eip155_key());
    CHECK(al_signed->encode() == al_raw);
    CHECK(decode_ok(al_raw) == *al_signed);
    CHECK(*decode_ok(al_raw).recover_sender() == kEip155Sender);
    CHECK(decode_ok(al_raw).hash() == "0x3229ccaf8de243ab7c6855b93cc6cb5a64c33b36c6dab21c72b42e8ffdd86156"_hash);
}

TEST_CASE("pre-EIP-155 legacy transactions: v = 27/28, no chain id") {
    UnsignedTransaction tx = eip155_example();
    tx.chain_id.reset();
    CHECK(tx.encode_for_signing() ==
          "0xe9098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080"_hex);
    const auto signed_tx = sign(tx, eip155_key());
    REQUIRE(signed_tx.has_value());
    CHECK((signed_tx->v() == 27 || signed_tx->v() == 28));
    const SignedTransaction back = decode_ok(signed_tx->encode());
    CHECK(back == *signed_tx);
    CHECK_FALSE(back.chain_id.has_value());
    CHECK(*back.recover_sender() == kEip155Sender);
}

TEST_CASE("large chain ids: v beyond one byte") {
    UnsignedTransaction tx = eip155_example();
    tx.chain_id = 0xffffffffffffffff;
    const auto signed_tx = sign(tx, eip155_key());
    CHECK(signed_tx->v() == U256(0xffffffffffffffff) * 2 + 35 + signed_tx->y_parity);
    const SignedTransaction back = decode_ok(signed_tx->encode());
    CHECK(back == *signed_tx);
    CHECK(*back.recover_sender() == kEip155Sender);
}

TEST_CASE("strict decoding rejects malformed transactions") {
    const Bytes legacy =
        "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"_hex;
    const Bytes dyn =
        "0x02f85105800203830186a08080826080c001a07766b1b66fbc68830144c64b7a8f688b4d0c04037df98c3cbe14bca24d7f764da01e706b32bc483e3b8e3a10e340666dd61db76bbe5a18e1b68dc0c2daeed8e1dc"_hex;

    CHECK(decode_error({}) == defect(TxError::kEmptyInput));
    // Type bytes: 0x00 and 0x03.. are not ours; 0x80..0xbf is an RLP string, not a transaction.
    Bytes t = dyn;
    t[0] = 0x03;
    CHECK(decode_error(t) == defect(TxError::kUnsupportedType));
    t[0] = 0x00;
    CHECK(decode_error(t) == defect(TxError::kUnsupportedType));
    CHECK(decode_error("0x8180"_hex) == rlp_defect(rlp::DecodingError::kUnexpectedString));
    // Trailing bytes, and a truncated envelope.
    t = legacy;
    t.push_back(0x00);
    CHECK(decode_error(t) == rlp_defect(rlp::DecodingError::kInputTooLong));
    t = dyn;
    t.pop_back();
    CHECK(decode_error(t) == rlp_defect(rlp::DecodingError::kInputTooShort));
    CHECK(decode_error("0x02"_hex) == rlp_defect(rlp::DecodingError::kInputTooShort));
    // An extra field inside the list: f86c -> f86d with one more byte.
    t = legacy;
    t[1] = 0x6d;
    t.push_back(0x01);
    CHECK(decode_error(t) == rlp_defect(rlp::DecodingError::kUnexpectedListElements));
    // Missing fields.
    CHECK(decode_error("0xc3010203"_hex) == rlp_defect(rlp::DecodingError::kInputTooShort));
    // Offsets in `legacy`: f86c | 09 | 85 04a817c800 | 82 5208 | [12] 94 35..35 | [33] 88 0de0b6b3a7640000
    // | [42] 80 | [43] 25 | a0 r | a0 s. In `dyn`: 02 f851 05 80 02 03 83 0186a0 80 80 82 6080 c0 [17] 01 ...
    // A 19-byte `to`: 0x94 -> 0x93, drop one address byte, fix the list length.
    t = legacy;
    t[1] = 0x6b;
    REQUIRE(t[12] == 0x94);
    t[12] = 0x93;
    t.erase(t.begin() + 13);
    CHECK(decode_error(t) == rlp_defect(rlp::DecodingError::kUnexpectedLength));
    // Non-canonical scalar: nonce 9 written as 0x8109.
    t = legacy;
    t[1] = 0x6d;
    t[2] = 0x81;
    t.insert(t.begin() + 3, 0x09);
    CHECK(decode_error(t) == rlp_defect(rlp::DecodingError::kNonCanonicalSingleByte));
    // Leading zero in the nonce: 0x820009.
    t = legacy;
    t[1] = 0x6e;
    t[2] = 0x82;
    t.insert(t.begin() + 3, {0x00, 0x09});
    CHECK(decode_error(t) == rlp_defect(rlp::DecodingError::kLeadingZero));
    // Legacy v must be 27, 28 or >= 35: 0x25 (37) -> 0x1d (29).
    t = legacy;
    REQUIRE(t[43] == 0x25);
    t[43] = 0x1d;
    CHECK(decode_error(t) == defect(TxError::kInvalidV));
    // Typed y_parity must be 0 or 1: 0x01 -> 0x02.
    t = dyn;
    REQUIRE(t[17] == 0x01);
    t[17] = 0x02;
    CHECK(decode_error(t) == defect(TxError::kInvalidYParity));
    // A legacy list with a typed-looking prefix is not silently accepted.
    t = legacy;
    t.insert(t.begin(), 0x02);
    CHECK(decode_error(t).kind == TxError::kMalformedRlp);
}

TEST_CASE("recover_sender rejects high-s transactions") {
    auto tx = *sign(eip155_example(), eip155_key());
    tx.s = kSecp256k1N - tx.s;
    tx.y_parity ^= 1;
    const SignedTransaction decoded = decode_ok(tx.encode());      // well-formed bytes ...
    CHECK(decoded.recover_sender().error() == SignError::kHighS);  // ... but not a valid signature
}

TEST_CASE("decode-tx JSON uses cast's field names") {
    const SignedTransaction tx = decode_ok(
        "0x02f8770109843b9aca008504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000084deadbeefc001a010f90ccd40d0745f6cd66e3e7babdb22deda93055da19ddd28078e7b4a7a86eba027ae1fbaf5d724d56520aa1ba1caec735d590980b6968d2d74b7d3c1d55f4221"_hex);
    const auto j = to_json(tx);
    CHECK(j.dump() ==
          R"({"signer":"0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f","type":"0x2","chainId":"0x1","nonce":"0x9",)"
          R"("gas":"0x5208","maxFeePerGas":"0x4a817c800","maxPriorityFeePerGas":"0x3b9aca00",)"
          R"("to":"0x3535353535353535353535353535353535353535","value":"0xde0b6b3a7640000","accessList":[],)"
          R"("input":"0xdeadbeef","r":"0x10f90ccd40d0745f6cd66e3e7babdb22deda93055da19ddd28078e7b4a7a86eb",)"
          R"("s":"0x27ae1fbaf5d724d56520aa1ba1caec735d590980b6968d2d74b7d3c1d55f4221","yParity":"0x1","v":"0x1",)"
          R"("hash":"0x86794323d2607b20ddd95a6aff7e816b12123b11795524dc7fbae6fa59cbf28f"})");
}
