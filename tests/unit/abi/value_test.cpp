#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace keeper;
using namespace keeper::abi;
using namespace keeper::abi::test;

namespace {
Value parse(std::string_view t, std::string_view text) {
    return parse_value(type(t), text).value();
}
AbiErrc parse_error_code(std::string_view t, std::string_view text) {
    return parse_value(type(t), text).error().code;
}
}  // namespace

TEST_CASE("numbers as cast writes them: decimal, hex, scientific, units, signs") {
    CHECK(parse("uint256", "69") == u(69));
    CHECK(parse("uint256", "0x45") == u(69));
    CHECK(parse("uint256", "0X45") == u(69));
    CHECK(parse("uint256", "00012") == u(12));
    CHECK(parse("uint256", "1e3") == u(1000));
    CHECK(parse("uint256", "1.5e3") == u(1500));
    CHECK(parse("uint256", "1ether") == Value(U256(1000000000000000000ULL)));
    CHECK(parse("uint256", "1 ether") == Value(U256(1000000000000000000ULL)));
    CHECK(parse("uint256", "1.5gwei") == u(1500000000));
    CHECK(parse("uint256", "7 wei") == u(7));
    CHECK(parse("uint256", "115792089237316195423570985008687907853269984665640564039457584007913129639935") ==
          Value(~U256(0)));
    CHECK(parse("int8", "-128") == i(-128));
    CHECK(parse("int8", "127") == i(127));
    CHECK(parse("int256", "+5") == i(5));
    CHECK(parse("int256", "-0x10") == i(-16));
    CHECK(parse("int256", "-1 ether") == Value(I256(-1000000000000000000LL)));
    CHECK(parse("int256", "-57896044618658097711785492504343953926634992332820282019728792003956564819968") ==
          Value(-(I256(1) << 255)));
    CHECK(parse("uint", "1") == u(1));
}

TEST_CASE("numbers out of range or malformed are rejected with the reason") {
    CHECK(parse_error_code("uint8", "256") == AbiErrc::kOutOfRange);
    CHECK(parse_error_code("uint8", "0x100") == AbiErrc::kOutOfRange);
    CHECK(parse_error_code("int8", "128") == AbiErrc::kOutOfRange);
    CHECK(parse_error_code("int8", "-129") == AbiErrc::kOutOfRange);
    CHECK(parse_error_code("int256", "57896044618658097711785492504343953926634992332820282019728792003956564819968") ==
          AbiErrc::kOutOfRange);
    CHECK(
        parse_error_code("uint256", "115792089237316195423570985008687907853269984665640564039457584007913129639936") ==
        AbiErrc::kInvalidValue);
    for (const char* bad : {"-1", "+1", "1.5", "1.", ".5", "1.55e1", "1e-1", "1_000", "0x", "1 szabo", "abc", "1e"}) {
        INFO(bad);
        CHECK(parse_error_code("uint256", bad) == AbiErrc::kInvalidValue);
    }
    const auto r = parse_value(type("uint8"), "300");
    CHECK(r.error().message == "300 does not fit in uint8");
}

TEST_CASE("addresses, bools, bytes") {
    const Address dead = "0x000000000000000000000000000000000000dEaD"_address;
    CHECK(parse("address", "0x000000000000000000000000000000000000dEaD") == Value(dead));
    CHECK(parse("address", "0x000000000000000000000000000000000000dead") == Value(dead));
    CHECK(parse("address", "000000000000000000000000000000000000dead") == Value(dead));
    CHECK(parse_error_code("address", "0x000000000000000000000000000000000000DeAD") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("address", "0xdead") == AbiErrc::kInvalidValue);
    CHECK(parse("bool", "true") == Value(true));
    CHECK(parse("bool", "false") == Value(false));
    CHECK(parse_error_code("bool", "1") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("bool", "True") == AbiErrc::kInvalidValue);
    CHECK(parse("bytes", "0x") == bytes(""));
    CHECK(parse("bytes", "1234") == bytes("1234"));
    CHECK(parse_error_code("bytes", "0x123") == AbiErrc::kInvalidValue);
    CHECK(parse("bytes3", "0x616263") == bytes_n("616263"));
    CHECK(parse_error_code("bytes3", "0x61") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("bytes3", "0x61626364") == AbiErrc::kInvalidValue);
}

TEST_CASE("strings: raw at top level, quoted or bare inside brackets") {
    CHECK(parse("string", "hello, world") == str("hello, world"));
    CHECK(parse("string", "\"hi\"") == str("hi"));
    CHECK(parse("string", " a ") == str(" a"));  // cast drops trailing white space...
    CHECK(parse("string", "\ta\t\n") == str("\ta"));
    CHECK(parse("string", "' a '") == str(" a "));  // ...but not inside quotes
    CHECK(parse("string", "'a\"b'") == str("a\"b"));
    CHECK(parse_error_code("string", "'hi") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("string", "'hi' ") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("string", "\"") == AbiErrc::kInvalidValue);
    CHECK(parse("string[]", "['a,b', \"c'd\", e'f]") == array({str("a,b"), str("c'd"), str("e'f")}));
    CHECK(parse("string", "") == str(""));
    CHECK(parse("string[]", R"([" a ", b c ,""])") == array({str(" a "), str("b c"), str("")}));
    CHECK(parse("(string,uint8)", R"(("a)b",1))") == tuple({str("a)b"), u(1)}));
    CHECK(parse_error_code("string[]", "[,]") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("string[]", R"(["abc])") == AbiErrc::kInvalidValue);
}

TEST_CASE("arrays and tuples nest, element counts are checked") {
    CHECK(parse("uint8[]", "[]") == array({}));
    CHECK(parse("uint8[]", "[ 1 , 2 ]") == array({u(1), u(2)}));
    CHECK(parse("uint8[]", "[1,2,]") == array({u(1), u(2)}));
    CHECK(parse("uint256[2][]", "[[1,2],[3,4]]") == array({array({u(1), u(2)}), array({u(3), u(4)})}));
    CHECK(parse("(uint256,(address,bool[]))", "(1,(0x000000000000000000000000000000000000dEaD,[true,false]))") ==
          tuple({u(1), tuple({Value("0x000000000000000000000000000000000000dEaD"_address),
                              array({Value(true), Value(false)})})}));
    CHECK(parse("(uint8,string)[]", "[(1,a),(2,b)]") == array({tuple({u(1), str("a")}), tuple({u(2), str("b")})}));
    CHECK(parse_error_code("uint8[2]", "[1]") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("uint8[2]", "[1,2,3]") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("(uint8,bool)", "(1)") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("(uint8,bool)", "(1,true,2)") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("uint8[]", "[1,,2]") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("uint8[]", "[1 2]") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("uint8[]", "[1,2] x") == AbiErrc::kInvalidValue);
    CHECK(parse_error_code("uint8[]", "1,2") == AbiErrc::kInvalidValue);
    CHECK(parse_value(type("uint8[]"), "[1,300]").error().message == "300 does not fit in uint8");
}

TEST_CASE("parse_values names the argument that is wrong") {
    const auto ts = types({"uint8", "bool"});
    const std::vector<std::string> args{"1", "yes"};
    const auto r = parse_values(ts, args);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "argument 2 (bool): 'yes': expected true or false");
    const std::vector<std::string> one{"1"};
    CHECK(parse_values(ts, one).error().code == AbiErrc::kArityMismatch);
}

TEST_CASE("format_value prints as cast abi-decode does") {
    CHECK(format_value(u(9999)) == "9999");
    CHECK(format_value(u(10000)) == "10000 [1e4]");
    CHECK(format_value(u(12345)) == "12345 [1.234e4]");
    CHECK(format_value(u(1000001)) == "1000001 [1e6]");
    CHECK(format_value(u(1230000)) == "1230000 [1.23e6]");
    CHECK(format_value(Value(U256(1000000000000000000ULL))) == "1000000000000000000 [1e18]");
    CHECK(format_value(Value(~U256(0))) ==
          "115792089237316195423570985008687907853269984665640564039457584007913129639935 [1.157e77]");
    CHECK(format_value(i(-5)) == "-5");
    CHECK(format_value(i(-1000000)) == "-1000000 [-1e6]");
    CHECK(format_value(u(12345), NumberStyle::kPlain) == "12345");
    CHECK(format_value(Value("0x000000000000000000000000000000000000dead"_address)) ==
          "0x000000000000000000000000000000000000dEaD");
    CHECK(format_value(Value(true)) == "true");
    CHECK(format_value(bytes("")) == "0x");
    CHECK(format_value(bytes_n("010203")) == "0x010203");
    CHECK(format_value(str("hello, \"world\"")) == R"("hello, \"world\"")");
    CHECK(format_value(str(std::string("\x01\x7f\\'0\t\n\r", 8))) == R"("\u{1}\u{7f}\\'0\t\n\r")");
    CHECK(format_value(str(std::string("a\0b", 3))) == R"("a\0b")");
    CHECK(format_value(str("\xff"
                           "A")) ==
          "\"\xef\xbf\xbd"
          "A\"");                                                    // invalid UTF-8: U+FFFD
    CHECK(format_value(str("\xe6\x97\xa5")) == "\"\xe6\x97\xa5\"");  // 日 unchanged
    CHECK(format_value(str("\xe6\x97")) == "\"\xef\xbf\xbd\"");      // truncated sequence: one U+FFFD
    CHECK(format_value(str("\xc2\x85")) == R"("\u{85}")");           // C1 control escaped
    CHECK(format_value(array({u(1000000), u(5)})) == "[1000000 [1e6], 5]");
    CHECK(format_value(array({})) == "[]");
    CHECK(format_value(array({tuple({str("x"), tuple({Value(true), bytes_n("0102")})})})) ==
          R"([("x", (true, 0x0102))])");
    CHECK(format_value(tuple({u(5)})) == "(5)");
}

TEST_CASE("check_value reports shape and range mismatches") {
    CHECK(check_value(type("uint8"), u(255)));
    CHECK(check_value(type("uint8"), u(256)).error().code == AbiErrc::kOutOfRange);
    CHECK(check_value(type("uint8"), i(1)).error().code == AbiErrc::kTypeMismatch);
    CHECK(check_value(type("uint8"), Value(true)).error().message == "expected uint8, got a bool");
    CHECK(check_value(type("int16"), i(-32768)));
    CHECK(check_value(type("int16"), i(-32769)).error().code == AbiErrc::kOutOfRange);
    CHECK(check_value(type("bytes2"), bytes_n("010203")).error().code == AbiErrc::kOutOfRange);
    CHECK(check_value(type("uint8[2]"), array({u(1)})).error().code == AbiErrc::kArityMismatch);
    CHECK(check_value(type("(uint8,bool)"), tuple({u(1)})).error().code == AbiErrc::kArityMismatch);
    CHECK(check_value(type("(uint8,bool[])"), tuple({u(1), array({Value(true), u(1)})})).error().message ==
          "component 1: element 1: expected bool, got an unsigned integer");
}
