// Test support: real TLS in front of real servers, for the https:// and wss:// tests.
//
//   make_test_pki()  a fresh CA and a leaf certificate signed by it, generated at test time with
//                    the OpenSSL C API (EVP_PKEY P-256 keys, X509 v3 with SANs); no private key
//                    is ever committed or written outside the test's temporary directory.
//   TlsProxy         a TLS-terminating TCP proxy on a free loopback port: TLS (Asio SSL, TLS 1.2+)
//                    on the outside, plain TCP to a backend on 127.0.0.1 inside. In front of
//                    anvil it serves https:// JSON-RPC and wss:// subscriptions with real heads;
//                    in front of tests/support/relay it serves the relay over https://. It runs
//                    its own thread and io_context. It counts handshakes, failed handshakes and
//                    how each client connection ended (with close_notify or truncated), and can
//                    drop every connection abruptly or go silent, for shutdown tests.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace keeper::test {

struct TestPki {
    std::string ca_cert_pem;    // the CA certificate: what a client is told to trust
    std::string leaf_cert_pem;  // the server certificate, signed by the CA
    std::string leaf_key_pem;   // the server's private key (memory and temp dir only)
};

/// A CA named `ca_name` and a leaf for `names`: each a DNS name ("localhost") or an IP literal
/// ("127.0.0.1"), all put in the subjectAltName (the first is also the subject CN). Valid from
/// an hour ago for a day. Throws std::runtime_error on an OpenSSL failure.
[[nodiscard]] TestPki make_test_pki(const std::vector<std::string>& names, const std::string& ca_name = "keeper test CA");

struct TlsProxyStats {
    std::uint64_t accepted{0};           // TCP connections accepted
    std::uint64_t handshakes{0};         // TLS handshakes that succeeded
    std::uint64_t handshake_failures{0}; // TLS handshakes that failed (e.g. the client rejected the cert)
    std::uint64_t clean_closes{0};       // client connections that ended with a TLS close_notify
    std::uint64_t truncated_closes{0};   // client connections that ended without one
};

class TlsProxy {
public:
    /// Listens on 127.0.0.1 (a free port) with `pki`'s leaf certificate and forwards every
    /// connection to 127.0.0.1:`backend_port`.
    TlsProxy(std::uint16_t backend_port, const TestPki& pki);
    ~TlsProxy();
    TlsProxy(const TlsProxy&) = delete;
    TlsProxy& operator=(const TlsProxy&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    /// "<scheme>://<host>:<port><path>", e.g. url("wss", "localhost") -> wss://localhost:40123/
    [[nodiscard]] std::string url(const std::string& scheme, const std::string& host = "localhost",
                                  const std::string& path = "/") const;
    [[nodiscard]] TlsProxyStats stats() const;

    /// Closes every client connection's socket at once: no close frame, no close_notify.
    void drop_all();
    /// While silent, bytes from clients are read and discarded and nothing is sent to them:
    /// a peer that hangs.
    void set_silent(bool silent) noexcept { silent_.store(silent); }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::uint16_t port_{0};
    std::atomic<bool> silent_{false};
};

}  // namespace keeper::test
