#include <catch2/catch.hpp>

#include "keeper/rpc/url.hpp"

using namespace keeper::rpc;

TEST_CASE("parse_url: scheme, host, default and explicit ports, target") {
    auto u = parse_url("https://eth-mainnet.example.com/v2/SECRETKEY?x=1#frag");
    REQUIRE(u);
    CHECK(u->scheme == "https");
    CHECK(u->host == "eth-mainnet.example.com");
    CHECK(u->port == 443);
    CHECK(u->target == "/v2/SECRETKEY?x=1");
    CHECK(u->tls());

    auto w = parse_url("ws://127.0.0.1:8546");
    REQUIRE(w);
    CHECK(w->port == 8546);
    CHECK(w->target == "/");
    CHECK_FALSE(w->tls());

    auto v6 = parse_url("http://user:pw@[::1]:8545/rpc");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->port == 8545);

    auto q = parse_url("http://host?key=1");
    REQUIRE(q);
    CHECK(q->target == "/?key=1");
}

TEST_CASE("parse_url: errors name the problem, never echo the url") {
    CHECK(parse_url("127.0.0.1:8545").error() == "url: missing scheme (expected http://, https://, ws:// or wss://)");
    CHECK(parse_url("ftp://host/SECRET").error() == "url: unsupported scheme 'ftp'");
    CHECK(parse_url("http://host:0/SECRET").error() == "url: invalid port");
    CHECK(parse_url("http://host:70000").error() == "url: invalid port");
    CHECK(parse_url("http:///SECRET").error() == "url: missing host");
}

TEST_CASE("redact_url keeps scheme, host and port only") {
    CHECK(redact_url("https://user:pass@mainnet.infura.io/v3/0123456789abcdef?apikey=s") == "https://mainnet.infura.io:443");
    CHECK(redact_url("ws://[::1]:8546/SECRET") == "ws://[::1]:8546");
    CHECK(redact_url("not a url SECRET") == "<invalid url>");
}

TEST_CASE("url_query_has: keys of the query string only, up to the fragment") {
    CHECK(url_query_has("https://rpc.example/fast?hint=hash&builder=flashbots", "hint"));
    CHECK(url_query_has("https://rpc.example/fast?hint=hash&builder=flashbots", "builder"));
    CHECK(url_query_has("https://rpc.example/?fast", "fast"));  // a key without a value
    CHECK_FALSE(url_query_has("https://rpc.example/fast?hint=hash", "fast"));  // the path is not the query
    CHECK_FALSE(url_query_has("https://rpc.example/?hinted=1", "hint"));        // whole keys only
    CHECK_FALSE(url_query_has("https://rpc.example/?a=hint", "hint"));          // values are not keys
    CHECK_FALSE(url_query_has("https://rpc.example/?a=1#hint=2", "hint"));      // the fragment is not the query
    CHECK_FALSE(url_query_has("https://rpc.example/hint", "hint"));
}
