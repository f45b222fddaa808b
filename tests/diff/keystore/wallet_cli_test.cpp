// The built `keeper wallet` commands end to end: output compared with cast's, signatures
// verified by `cast wallet verify`, and each user error a single line naming the argument.
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/keystore/keystore.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace keeper;
using keeper::test::cast;
using keeper::test::ProcessResult;
using keeper::test::run_process;
using keeper::test::TempDir;

namespace {

constexpr std::string_view kKey = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
constexpr std::string_view kAddress = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
constexpr std::string_view kPassword = "correct horse";

ProcessResult keeper_run(std::vector<std::string> args) {
    args.insert(args.begin(), KEEPER_BIN);
    return run_process(args);
}

/// A keystore for kKey (cast's KDF cost) and its password file, in `dir`.
struct Fixture {
    TempDir dir;
    std::string keystore;
    std::string password_file;
    Fixture() {
        auto key = SecretKey::from_bytes(*from_hex(kKey));
        REQUIRE(key);
        auto ks = encrypt_keystore(*key, kPassword, kCastScrypt);
        REQUIRE(ks);
        keystore = dir.write("key.json", to_json(*ks));
        password_file = dir.write("password", std::string(kPassword) + "\n");
    }
};

/// Exit 1 and exactly one line on stderr, "error: <expected>"; nothing on stdout.
void check_one_line_error(const ProcessResult& r, const std::string& expected) {
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "error: " + expected + "\n");
}

}  // namespace

TEST_CASE("keeper wallet address prints what cast wallet address prints") {
    Fixture f;
    const auto r = keeper_run({"wallet", "address", "--keystore", f.keystore, "--password-file", f.password_file});
    CHECK(r.exit_code == 0);
    CHECK(r.out == std::string(kAddress) + "\n");
    CHECK(r.out == cast({"wallet", "address", "--keystore", f.keystore, "--password-file", f.password_file}) + "\n");
}

TEST_CASE("keeper wallet sign matches cast wallet sign byte for byte, and cast wallet verify accepts it") {
    Fixture f;
    const std::vector<std::string> messages = {"hello",
                                               "",
                                               "0x",
                                               "0x68656c6c6f",
                                               "0X68656c6c6f",
                                               "0xdeadbeef00",
                                               "pässwörd 🔑 with spaces",
                                               std::string(300, 'm')};
    for (const auto& m : messages) {
        INFO("message: " << m);
        const auto r = keeper_run({"wallet", "sign", m, "--keystore", f.keystore, "--password-file", f.password_file});
        REQUIRE(r.exit_code == 0);
        const std::string sig = r.out.substr(0, r.out.size() - 1);
        CHECK(sig.size() == 132);
        CHECK(sig == cast({"wallet", "sign", "--private-key", std::string(kKey), m}));  // RFC 6979: deterministic
        CHECK(cast({"wallet", "verify", "--address", std::string(kAddress), m, sig}) ==
              "Validation succeeded. Address " + std::string(kAddress) + " signed this message.");
        // And ours verifies it too, with cast's wording.
        const auto v = keeper_run({"wallet", "verify", "--address", std::string(kAddress), m, sig});
        CHECK(v.exit_code == 0);
        CHECK(v.out == "Validation succeeded. Address " + std::string(kAddress) + " signed this message.\n");
    }
}

TEST_CASE("keeper wallet verify accepts what cast wallet sign produces and rejects the rest") {
    const std::string sig = cast({"wallet", "sign", "--private-key", std::string(kKey), "hello"});
    const std::string addr(kAddress);
    CHECK(keeper_run({"wallet", "verify", "-a", addr, "hello", sig}).exit_code == 0);
    CHECK(keeper_run({"wallet", "verify", "-a", addr, "hello", sig.substr(2)}).exit_code == 0);  // no 0x, as cast
    check_one_line_error(keeper_run({"wallet", "verify", "-a", addr, "hullo", sig}),
                         "signature: validation failed: address " + addr + " did not sign this message");
    check_one_line_error(
        keeper_run({"wallet", "verify", "-a", "0x0000000000000000000000000000000000000001", "hello", sig}),
        "signature: validation failed: address 0x0000000000000000000000000000000000000001 did not sign this message");
    check_one_line_error(keeper_run({"wallet", "verify", "-a", addr, "hello", sig.substr(0, 130)}),
                         "signature: must be 65 bytes (r||s||v), got 64");
    check_one_line_error(keeper_run({"wallet", "verify", "-a", addr, "hello", sig.substr(0, 130) + "1f"}),
                         "signature: signature v must be 0, 1, 27 or 28");
    check_one_line_error(
        keeper_run({"wallet", "verify", "-a", "0x2c7536E3605D9C16a7a3D7b1898e529396a65C23", "hello", sig}),
        "--address: address has an invalid EIP-55 checksum");
    check_one_line_error(keeper_run({"wallet", "verify", "-a", addr, "0xzz", sig}),
                         "message: starts with 0x but is not valid hex (invalid hex digit)");
}

TEST_CASE("keeper wallet errors are one line naming the argument, and never echo the password") {
    Fixture f;
    SECTION("wrong password") {
        const std::string wrong = f.dir.write("wrong", "Tr0ub4dor&3\n");
        const auto r = keeper_run({"wallet", "address", "--keystore", f.keystore, "--password-file", wrong});
        check_one_line_error(r, "--password-file: wrong password for keystore '" + f.keystore + "'");
        CHECK(r.err.find("Tr0ub4dor") == std::string::npos);
    }
    SECTION("only one trailing newline is stripped from the password file") {
        const std::string two = f.dir.write("two", std::string(kPassword) + "\n\n");
        check_one_line_error(keeper_run({"wallet", "address", "--keystore", f.keystore, "--password-file", two}),
                             "--password-file: wrong password for keystore '" + f.keystore + "'");
        const std::string crlf = f.dir.write("crlf", std::string(kPassword) + "\r\n");
        CHECK(keeper_run({"wallet", "address", "--keystore", f.keystore, "--password-file", crlf}).exit_code == 0);
        const std::string bare = f.dir.write("bare", std::string(kPassword));
        CHECK(keeper_run({"wallet", "address", "--keystore", f.keystore, "--password-file", bare}).exit_code == 0);
    }
    SECTION("missing files") {
        check_one_line_error(
            keeper_run({"wallet", "address", "--keystore", f.dir.file("nope"), "--password-file", f.password_file}),
            "--keystore: cannot open file '" + f.dir.file("nope") + "'");
        check_one_line_error(
            keeper_run({"wallet", "address", "--keystore", f.keystore, "--password-file", f.dir.file("nope")}),
            "--password-file: cannot open file '" + f.dir.file("nope") + "'");
    }
    SECTION("a malformed keystore fails before any password is read") {
        std::string json = TempDir::read(f.keystore);
        json.replace(json.find("\"n\":8192"), 8, "\"n\":8191");
        const std::string bad = f.dir.write("bad.json", json);
        check_one_line_error(keeper_run({"wallet", "address", "--keystore", bad}),
                             "--keystore: crypto.kdfparams.n must be a power of two > 1");
        json.replace(json.find("\"n\":8191"), 8, "\"n\":1048576");
        const std::string costly = f.dir.write("costly.json", json);
        check_one_line_error(
            keeper_run({"wallet", "address", "--keystore", costly}),
            "--keystore: crypto.kdfparams: scrypt cost 128*r*n*p (n=1048576, r=8, p=1) exceeds the limit of 256 MiB");
        const std::string garbage = f.dir.write("garbage.json", "not json");
        check_one_line_error(keeper_run({"wallet", "sign", "m", "--keystore", garbage}),
                             "--keystore: keystore is not valid JSON");
    }
    SECTION("no password file and no terminal") {
        // setsid: a new session has no controlling terminal, so /dev/tty cannot be opened.
        const auto r = run_process({"setsid", "-w", KEEPER_BIN, "wallet", "address", "--keystore", f.keystore});
        check_one_line_error(r, "--password-file: no terminal to prompt for the password; pass --password-file");
    }
    SECTION("the key never comes from argv: there is no such option") {
        const auto r = keeper_run({"wallet", "address", "--private-key", std::string(kKey)});
        CHECK(r.exit_code != 0);
        CHECK(r.out.find(std::string(kKey).substr(2)) == std::string::npos);
    }
    SECTION("--keystore is required") {
        const auto r = keeper_run({"wallet", "sign", "hello", "--password-file", f.password_file});
        CHECK(r.exit_code != 0);
        CHECK(r.err.find("--keystore is required") != std::string::npos);
    }
}

TEST_CASE("keeper wallet new writes a 0600 keystore that cast opens") {
    TempDir dir;
    const std::string pw = dir.write("pw", "new password\n");
    const auto r = keeper_run({"wallet", "new", dir.path().string(), "--password-file", pw});
    REQUIRE(r.exit_code == 0);
    const std::string prefix = "Created new encrypted keystore file: " + dir.path().string() + "/";
    REQUIRE(r.out.starts_with(prefix));
    const std::string file = r.out.substr(prefix.size(), r.out.find('\n') - prefix.size());
    const std::string address = r.out.substr(r.out.find("Address:    ") + 12, 42);
    const std::string path = dir.file(file);

    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto parsed = parse_keystore(TempDir::read(path));
    REQUIRE(parsed);
    CHECK(parsed->id == file);  // named by its UUID, as cast names its files
    CHECK(std::get<ScryptParams>(parsed->kdf) == kCastScrypt);

    CHECK(cast({"wallet", "address", "--keystore", path, "--password", "new password"}) == address);
    const auto ours = keeper_run({"wallet", "address", "--keystore", path, "--password-file", pw});
    CHECK(ours.out == address + "\n");

    SECTION("a named file is never overwritten") {
        REQUIRE(keeper_run({"wallet", "new", dir.path().string(), "hot", "--password-file", pw}).exit_code == 0);
        check_one_line_error(keeper_run({"wallet", "new", dir.path().string(), "hot", "--password-file", pw}),
                             "path: '" + dir.file("hot") + "' already exists");
    }
    SECTION("bad destinations") {
        check_one_line_error(keeper_run({"wallet", "new", dir.file("missing"), "--password-file", pw}),
                             "path: '" + dir.file("missing") + "' is not a directory");
        check_one_line_error(keeper_run({"wallet", "new", dir.path().string(), "../escape", "--password-file", pw}),
                             "account_name: must be a plain file name");
    }
}
