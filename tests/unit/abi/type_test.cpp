#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace keeper;
using namespace keeper::abi;

TEST_CASE("parse_type accepts every elementary type and canonicalises aliases") {
    for (std::size_t n = 8; n <= 256; n += 8) {
        const auto u = parse_type("uint" + std::to_string(n));
        const auto s = parse_type("int" + std::to_string(n));
        REQUIRE(u);
        REQUIRE(s);
        CHECK(u->kind() == TypeKind::kUint);
        CHECK(u->size() == n);
        CHECK(s->kind() == TypeKind::kInt);
        CHECK(s->canonical() == "int" + std::to_string(n));
    }
    for (std::size_t n = 1; n <= 32; ++n) {
        const auto b = parse_type("bytes" + std::to_string(n));
        REQUIRE(b);
        CHECK(b->kind() == TypeKind::kFixedBytes);
        CHECK(b->size() == n);
        CHECK_FALSE(b->is_dynamic());
    }
    CHECK(parse_type("uint")->canonical() == "uint256");
    CHECK(parse_type("int")->canonical() == "int256");
    CHECK(parse_type("address")->canonical() == "address");
    CHECK(parse_type("bool")->canonical() == "bool");
    CHECK(parse_type("bytes")->is_dynamic());
    CHECK(parse_type("string")->is_dynamic());
}

TEST_CASE("arrays and tuples: canonical form, dynamism and head sizes") {
    const auto t = parse_type("tuple(uint, address to, bool[] flags)[2][]");
    REQUIRE(t);
    CHECK(t->canonical() == "(uint256,address,bool[])[2][]");
    CHECK(t->kind() == TypeKind::kArray);
    CHECK(t->element().kind() == TypeKind::kFixedArray);
    CHECK(t->element().size() == 2);
    const Type& tup = t->element().element();
    REQUIRE(tup.components().size() == 3);
    CHECK(tup.component_names()[1] == "to");
    CHECK(tup.component_names()[2] == "flags");
    CHECK(tup.to_string() == "(uint256,address to,bool[] flags)");
    CHECK(tup.is_dynamic());
    CHECK(t->depth() == 4);

    CHECK(parse_type("uint256[3]")->head_size() == 96);
    CHECK(parse_type("(uint8,bytes32)[2]")->head_size() == 128);
    CHECK_FALSE(parse_type("(uint8,bytes32)[2]")->is_dynamic());
    CHECK(parse_type("string[2]")->is_dynamic());
    CHECK(parse_type("string[2]")->head_size() == 32);
    CHECK(parse_type(" ( address , uint24 ) [ ] ")->canonical() == "(address,uint24)[]");
}

TEST_CASE("equality of types ignores component names") {
    CHECK(*parse_type("(uint256 a,bool b)") == *parse_type("(uint256,bool)"));
    CHECK_FALSE(*parse_type("(uint256,bool)") == *parse_type("(uint256,bool)[1]"));
    CHECK_FALSE(*parse_type("uint8") == *parse_type("int8"));
}

TEST_CASE("parse_type rejects what is not an ABI type, naming it") {
    for (const char* bad : {"uint7",       "uint0",
                            "uint264",     "uint08",
                            "bytes0",      "bytes33",
                            "bytes01",     "fixed128x18",
                            "ufixed",      "function",
                            "foo",         "",
                            "uint256[",    "uint256[0]",
                            "uint256[-1]", "()",
                            "(uint256",    "(uint256,)",
                            "uint256 x",   "tuple",
                            "uint256[]]",  "mapping(uint=>uint)"}) {
        const auto t = parse_type(bad);
        INFO(bad);
        REQUIRE_FALSE(t);
        CHECK(t.error().code == AbiErrc::kInvalidType);
    }
    CHECK(parse_type("uint7").error().message.find("'uint7'") != std::string::npos);
}

TEST_CASE("parse_type bounds nesting depth and static size") {
    std::string deep = "uint8";
    for (int i = 0; i < 40; ++i) deep += "[]";
    REQUIRE_FALSE(parse_type(deep));
    CHECK(parse_type(deep).error().message.find("nested too deeply") != std::string::npos);

    std::string tuples = "uint8";
    for (int i = 0; i < 40; ++i) tuples = "(" + tuples + ")";
    REQUIRE_FALSE(parse_type(tuples));

    std::string ok = "uint8";
    for (int i = 0; i < 32; ++i) ok += "[]";
    CHECK(parse_type(ok));

    CHECK_FALSE(parse_type("uint256[4294967296]"));    // 2^32 words: over 4 GiB of head
    CHECK_FALSE(parse_type("uint256[65536][65536]"));  // 2^37 bytes
    CHECK_FALSE(parse_type("uint256[99999999999999999999999]"));
    CHECK(parse_type("uint256[1000]"));
}
