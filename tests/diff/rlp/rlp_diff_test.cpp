// RLP against cast: random structures encoded by both (cast to-rlp), decoded by both
// (cast from-rlp), and malformed inputs rejected by both. Seeded, so failures reproduce.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "keeper/core/hex.hpp"
#include "keeper/rlp/item.hpp"
#include "support/process.hpp"

using namespace keeper;
using rlp::Item;
using test::cast;

namespace {

class Generator {
public:
    explicit Generator(std::uint64_t seed) : rng_(seed) {}

    std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

    /// Byte strings biased to the encoding boundaries: empty, one byte either side of 0x80,
    /// 55/56 bytes (short/long form), and lengths needing a two-byte length.
    Bytes string() {
        static constexpr std::size_t kLengths[] = {0, 1, 1, 1, 2, 3, 20, 32, 54, 55, 56, 57, 100, 255, 256, 300};
        const std::size_t len = kLengths[below(std::size(kLengths))];
        Bytes b(len);
        for (auto& x : b) x = static_cast<std::uint8_t>(below(256));
        if (len == 1 && below(2) == 0) b[0] = static_cast<std::uint8_t>(below(0x80));  // self-encoding byte
        return b;
    }

    Item item(std::size_t depth) {
        if (depth == 0 || below(3) == 0) return Item::string(string());
        Item::List items(below(6));
        for (auto& i : items) i = item(depth - 1);
        return Item::list(std::move(items));
    }

private:
    std::mt19937_64 rng_;
};

Item decode_all(const Bytes& b) {
    ByteView v(b);
    auto r = rlp::decode_item(v, rlp::Leftover::kProhibit);
    REQUIRE(r.has_value());
    return *r;
}

}  // namespace

TEST_CASE("random RLP structures: ours and cast encode and decode identically") {
    Generator gen(20240601);
    // 300 structures in batches of 10: a batch is one list, so one cast call checks ten
    // structures and their concatenation; every item is also re-checked on its own below.
    for (int batch = 0; batch < 30; ++batch) {
        Item::List items(10);
        for (auto& i : items) i = gen.item(4);
        const Item all = Item::list(items);
        const std::string text = rlp::to_text(all);
        const Bytes ours = rlp::encode(all);
        CAPTURE(batch, text);
        CHECK(cast({"to-rlp", text}) == to_hex(ours));
        CHECK(cast({"from-rlp", to_hex(ours)}) == text);
        CHECK(decode_all(ours) == all);
        for (const auto& i : items) {
            const Bytes e = rlp::encode(i);
            CHECK(rlp::length(i) == e.size());
            CHECK(decode_all(e) == i);
            CHECK(*rlp::parse_item_text(rlp::to_text(i)) == i);
        }
    }
}

TEST_CASE("single top-level strings at the short/long boundaries match cast") {
    Generator gen(7);
    for (const std::size_t len : {0UL, 1UL, 55UL, 56UL, 255UL, 256UL, 1024UL}) {
        for (const std::uint8_t first :
             {std::uint8_t{0x00}, std::uint8_t{0x7f}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
            Bytes b(len, first);
            if (len > 1)
                for (std::size_t i = 1; i < len; ++i) b[i] = static_cast<std::uint8_t>(gen.below(256));
            const Item item = Item::string(b);
            CAPTURE(len, first);
            CHECK(cast({"to-rlp", to_hex(b)}) == to_hex(rlp::encode(item)));
            CHECK(cast({"from-rlp", to_hex(rlp::encode(item))}) == rlp::to_text(item));
            if (len == 0) break;
        }
    }
}

TEST_CASE("numbers in to-rlp input are minimal scalars, as cast encodes them") {
    std::mt19937_64 rng(99);
    std::string text = "[";
    for (int i = 0; i < 40; ++i) {
        U256 n = 0;
        const int words = static_cast<int>(rng() % 5);
        for (int w = 0; w < words; ++w) n = (n << 64) | rng();
        if (i % 8 == 0) n = static_cast<unsigned>(i);  // 0, 8, 16, ... around the single-byte range
        if (i > 0) text += ',';
        text += to_dec(n);
    }
    text += ']';
    const auto ours = rlp::parse_item_text(text);
    REQUIRE(ours.has_value());
    CHECK(cast({"to-rlp", text}) == to_hex(rlp::encode(*ours)));
}

TEST_CASE("malformed RLP: everything cast rejects, we reject too (and more)") {
    // Non-canonical and truncated encodings: both must refuse. (cast ignores trailing bytes;
    // we reject them, so those cases are ours only.)
    const std::vector<std::string> rejected_by_both = {
        "0x8100",   "0x817f",   "0xb80161", "0xb90038" + std::string(112, '6'),
        "0x83646f", "0xb8",     "0xc2c0",   "0xbfffffffffffffffff",
        "0xf800",   "0xf801c0", "0xc3c380",
    };
    for (const auto& hex : rejected_by_both) {
        CAPTURE(hex);
        const auto r = test::run_process({KEEPER_CAST, "from-rlp", hex});
        CHECK(r.exit_code != 0);
        const Bytes b = *from_hex(hex);
        ByteView v(b);
        CHECK_FALSE(rlp::decode_item(v, rlp::Leftover::kProhibit).has_value());
    }
    const Bytes trailing = "0xc301c10200"_hex;
    ByteView v(trailing);
    CHECK(rlp::decode_item(v, rlp::Leftover::kProhibit).error() == rlp::DecodingError::kInputTooLong);
}

TEST_CASE("mutated encodings: whatever we accept, cast accepts and reads the same way") {
    Generator gen(4242);
    int accepted = 0;
    for (int i = 0; i < 40; ++i) {
        Bytes b = rlp::encode(gen.item(3));
        const std::size_t pos = gen.below(b.size());
        b[pos] = static_cast<std::uint8_t>(b[pos] ^ (1U << gen.below(8)));
        ByteView v(b);
        const auto ours = rlp::decode_item(v, rlp::Leftover::kProhibit);
        const auto theirs = test::run_process({KEEPER_CAST, "from-rlp", to_hex(b)});
        CAPTURE(to_hex(b));
        if (ours) {
            ++accepted;
            REQUIRE(theirs.exit_code == 0);
            CHECK(theirs.out == rlp::to_text(*ours) + "\n");
            CHECK(rlp::encode(*ours) == b);  // canonical: accepted bytes re-encode identically
        }
    }
    CHECK(accepted > 0);  // some flips only change string contents and stay valid
}
