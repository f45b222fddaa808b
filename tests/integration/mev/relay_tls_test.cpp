// mev::RelayClient over https:// to the local relay behind a real TLS terminator
// (tests/support/tls_server: CA and leaf generated at test time): signed JSON-RPC calls and the
// status API go through with the configured CA; an untrusted certificate or another host name
// is a transport error naming the relay and the reason, never the URL's key.
#include <utility>  // before Asio (Boost 1.74)

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include "keeper/mev/relay_client.hpp"
#include "mev_fixture.hpp"
#include "support/relay.hpp"
#include "support/temp_dir.hpp"
#include "support/tls_server.hpp"

using namespace keeper;
using namespace keeper::mev;
using namespace keeper::test;

namespace {

// Anvil dev account 5: a reputation key (never the funds key).
constexpr const char* kRepKey = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
constexpr const char* kRepAddress = "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc";
constexpr const char* kHash = "0x5d6fa8b2b4c6c0ff15f0e1cbac7ba4fe0c8af7a1c1f69e6e3a52d4f2a7fdbe01";

rpc::HttpSettings https_settings(const std::string& ca_file) {
    rpc::HttpSettings s;
    s.connect_timeout = std::chrono::milliseconds(1000);
    s.request_timeout = std::chrono::milliseconds(3000);
    s.tls.ca_file = ca_file;
    return s;
}

}  // namespace

TEST_CASE("relay client over https:// with the configured CA: signed calls and the status API") {
    LocalRelay relay(RelayOptions{});
    const auto pki = make_test_pki({"localhost", "127.0.0.1"});
    TempDir dir;
    const std::string ca = dir.write("ca.pem", pki.ca_cert_pem);
    TlsProxy proxy(relay.port(), pki);

    asio::io_context io;
    RelayClient client(io.get_executor(), "tls-relay", proxy.url("https", "localhost"),
                       std::make_shared<const SecretKey>(key_of(kRepKey)), https_settings(ca));
    const Json params = Json::array({Json{{"txHash", kHash}}});
    auto r = run_co(io, client.call("eth_cancelPrivateTransaction", params));
    INFO((r ? std::string() : r.error().describe()));
    REQUIRE(r);
    CHECK(*r == false);  // unknown to the relay: nothing to cancel
    CHECK(relay.stats().requests == 1);
    CHECK(relay.stats().rejected_auth == 0);
    CHECK(relay.stats().last_signer == kRepAddress);  // the signature survived TLS byte for byte

    auto status = run_co(io, client.get_json(proxy.url("https", "127.0.0.1", "/tx/") + kHash));
    INFO((status ? std::string() : status.error().describe()));
    REQUIRE(status);
    CHECK(status->is_object());
    CHECK(proxy.stats().handshakes >= 1);
    CHECK(proxy.stats().handshake_failures == 0);
}

TEST_CASE("relay client over https:// refuses an untrusted certificate and another host name") {
    LocalRelay relay(RelayOptions{});
    const auto trusted = make_test_pki({"localhost"}, "keeper test CA");
    TempDir dir;
    const std::string ca = dir.write("ca.pem", trusted.ca_cert_pem);

    struct Case {
        const char* what;
        keeper::test::TestPki served;
        const char* reason;
    };
    const std::vector<Case> cases{
        {"signed by another CA", make_test_pki({"localhost"}, "rogue CA"), "SSL certificate problem"},
        {"another host name", make_test_pki({"relay.example.org"}, "keeper test CA"),
         "no alternative certificate subject name matches target host name 'localhost'"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        // The "another host name" leaf comes from its own CA: trust that one for this case.
        const std::string ca_file = std::string(c.what) == "another host name" ? dir.write("own.pem", c.served.ca_cert_pem) : ca;
        TlsProxy proxy(relay.port(), c.served);
        asio::io_context io;
        RelayClient client(io.get_executor(), "tls-relay",
                           proxy.url("https", "localhost", "/?apikey=s3cr3t-relay-key"),
                           std::make_shared<const SecretKey>(key_of(kRepKey)), https_settings(ca_file));
        const Json params = Json::array({Json{{"txHash", kHash}}});
        auto r = run_co(io, client.call("eth_cancelPrivateTransaction", params));
        REQUIRE_FALSE(r);
        const std::string message = r.error().describe();
        INFO(message);
        CHECK(r.error().kind == RelayError::Kind::kTransport);
        CHECK(message.find("relay 'tls-relay'") != std::string::npos);
        CHECK(message.find(c.reason) != std::string::npos);
        CHECK(message.find("s3cr3t") == std::string::npos);
        CHECK(relay.stats().requests == 0);  // nothing reached the relay
    }
}
