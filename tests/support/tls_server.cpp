#include "support/tls_server.hpp"

#include <utility>  // before Asio (Boost 1.74)

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace keeper::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// ---- PKI ---------------------------------------------------------------------------------------

namespace {

[[noreturn]] void openssl_fail(const char* what) { throw std::runtime_error(std::string("test PKI: ") + what); }

struct KeyFree {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct CertFree {
    void operator()(X509* c) const noexcept { X509_free(c); }
};
struct BioFree {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

KeyPtr new_key() {
    KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));  // EVP_EC_gen(), without its C cast
    if (!key) openssl_fail("EVP_EC_gen");
    return key;
}

bool is_ip(const std::string& name) {
    boost::system::error_code ec;
    const auto a = asio::ip::make_address(name, ec);
    static_cast<void>(a);
    return !ec;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) openssl_fail("X509V3_EXT_conf_nid");
    const int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    if (ok != 1) openssl_fail("X509_add_ext");
}

CertPtr new_cert(EVP_PKEY* subject_key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key) {
    CertPtr cert(X509_new());
    if (!cert) openssl_fail("X509_new");
    X509_set_version(cert.get(), 2);  // v3
    std::array<unsigned char, 16> serial{};
    if (RAND_bytes(serial.data(), static_cast<int>(serial.size())) != 1) openssl_fail("RAND_bytes");
    serial[0] &= 0x7f;  // positive
    BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
    if (bn == nullptr || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) == nullptr) openssl_fail("serial");
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("keeper tests"), -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                               -1, -1, 0);
    X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
    if (X509_set_pubkey(cert.get(), subject_key) != 1) openssl_fail("X509_set_pubkey");
    X509* issuer_cert = issuer != nullptr ? issuer : cert.get();
    add_ext(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
    if (issuer != nullptr) add_ext(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid:always");
    static_cast<void>(issuer_key);
    return cert;
}

void sign(X509* cert, EVP_PKEY* key) {
    if (X509_sign(cert, key, EVP_sha256()) == 0) openssl_fail("X509_sign");
}

std::string to_pem(X509* cert) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) openssl_fail("PEM_write_bio_X509");
    char* data = nullptr;
    const long n = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);  // BIO_get_mem_data(), without its C cast
    return std::string(data, static_cast<std::size_t>(n));
}

std::string to_pem(EVP_PKEY* key) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        openssl_fail("PEM_write_bio_PrivateKey");
    char* data = nullptr;
    const long n = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);  // BIO_get_mem_data(), without its C cast
    return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

TestPki make_test_pki(const std::vector<std::string>& names, const std::string& ca_name) {
    if (names.empty()) throw std::invalid_argument("make_test_pki: no names");
    KeyPtr ca_key = new_key();
    CertPtr ca = new_cert(ca_key.get(), ca_name, nullptr, ca_key.get());
    add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    sign(ca.get(), ca_key.get());

    KeyPtr leaf_key = new_key();
    CertPtr leaf = new_cert(leaf_key.get(), names.front(), ca.get(), ca_key.get());
    std::string san;
    for (const auto& n : names) san += (san.empty() ? "" : ",") + std::string(is_ip(n) ? "IP:" : "DNS:") + n;
    add_ext(leaf.get(), ca.get(), NID_subject_alt_name, san);
    add_ext(leaf.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_ext(leaf.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
    add_ext(leaf.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    sign(leaf.get(), ca_key.get());

    return TestPki{to_pem(ca.get()), to_pem(leaf.get()), to_pem(leaf_key.get())};
}

// ---- proxy -------------------------------------------------------------------------------------

struct TlsProxy::Impl {
    using SslStream = asio::ssl::stream<tcp::socket>;
    struct Conn {
        Conn(SslStream s, tcp::socket b) : tls(std::move(s)), backend(std::move(b)) {}
        SslStream tls;
        tcp::socket backend;
        bool ended{false};  // how the client side ended is counted once
    };

    Impl(std::uint16_t backend, const TestPki& pki, std::atomic<bool>& silent_flag)
        : backend_port(backend), ssl(asio::ssl::context::tls_server), acceptor(io), silent(silent_flag) {
        ssl.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
        ssl.use_certificate_chain(asio::buffer(pki.leaf_cert_pem));
        ssl.use_private_key(asio::buffer(pki.leaf_key_pem), asio::ssl::context::pem);
        const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
        acceptor.open(ep.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
    }

    std::uint16_t backend_port;
    asio::io_context io;
    asio::ssl::context ssl;
    tcp::acceptor acceptor;
    std::atomic<bool>& silent;
    mutable std::mutex mutex;  // guards stats (read from the test thread)
    TlsProxyStats stats;
    std::vector<std::weak_ptr<Conn>> conns;  // proxy thread only
    std::thread thread;

    void count(std::uint64_t TlsProxyStats::*field) {
        std::lock_guard lock(mutex);
        ++(stats.*field);
    }

    asio::awaitable<void> accept_loop() {
        while (true) {
            boost::system::error_code ec;
            tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;  // closed
            count(&TlsProxyStats::accepted);
            asio::co_spawn(io, serve(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> serve(tcp::socket socket) {
        boost::system::error_code ec;
        auto conn = std::make_shared<Conn>(SslStream(std::move(socket), ssl), tcp::socket(io));
        conns.push_back(conn);
        co_await conn->tls.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            count(&TlsProxyStats::handshake_failures);
            co_return;
        }
        count(&TlsProxyStats::handshakes);
        const tcp::endpoint backend(asio::ip::make_address("127.0.0.1"), backend_port);
        co_await conn->backend.async_connect(backend, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            boost::system::error_code ignored;
            conn->tls.lowest_layer().close(ignored);
            co_return;
        }
        asio::co_spawn(io, to_backend(conn), asio::detached);
        asio::co_spawn(io, to_client(conn), asio::detached);
    }

    // Client -> backend. Notes how the client ended: eof after a close_notify is clean,
    // stream_truncated (or a reset) is not.
    asio::awaitable<void> to_backend(std::shared_ptr<Conn> conn) {
        std::array<char, 16384> buf{};
        while (true) {
            boost::system::error_code ec;
            const std::size_t n =
                co_await conn->tls.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                if (!conn->ended) {
                    conn->ended = true;
                    count(ec == asio::error::eof ? &TlsProxyStats::clean_closes : &TlsProxyStats::truncated_closes);
                }
                if (ec == asio::error::eof) {
                    // Answer the close_notify with ours, then close (both directions).
                    boost::system::error_code ignored;
                    co_await conn->tls.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
                }
                close(*conn);
                co_return;
            }
            if (silent.load()) continue;
            co_await asio::async_write(conn->backend, asio::buffer(buf.data(), n),
                                       asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                close(*conn);
                co_return;
            }
        }
    }

    // Backend -> client.
    asio::awaitable<void> to_client(std::shared_ptr<Conn> conn) {
        std::array<char, 16384> buf{};
        while (true) {
            boost::system::error_code ec;
            const std::size_t n =
                co_await conn->backend.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                // The backend closed (anvil drops the TCP connection on a websocket close frame
                // instead of echoing it): so does the proxy, at once.
                close(*conn);
                co_return;
            }
            if (silent.load()) continue;
            co_await asio::async_write(conn->tls, asio::buffer(buf.data(), n), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                close(*conn);
                co_return;
            }
        }
    }

    static void close(Conn& conn) {
        boost::system::error_code ignored;
        conn.tls.lowest_layer().close(ignored);
        conn.backend.close(ignored);
    }
};

TlsProxy::TlsProxy(std::uint16_t backend_port, const TestPki& pki)
    : impl_(std::make_unique<Impl>(backend_port, pki, silent_)) {
    port_ = impl_->acceptor.local_endpoint().port();
    asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
    impl_->thread = std::thread([this] { impl_->io.run(); });
}

TlsProxy::~TlsProxy() {
    impl_->io.stop();
    impl_->thread.join();
}

std::string TlsProxy::url(const std::string& scheme, const std::string& host, const std::string& path) const {
    return scheme + "://" + host + ":" + std::to_string(port_) + path;
}

TlsProxyStats TlsProxy::stats() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->stats;
}

void TlsProxy::drop_all() {
    std::promise<void> done;
    asio::post(impl_->io, [this, &done] {
        for (auto& weak : impl_->conns)
            if (auto conn = weak.lock()) {
                if (!conn->ended) {
                    conn->ended = true;  // dropped by us: neither clean nor truncated
                }
                Impl::close(*conn);
            }
        impl_->conns.clear();
        done.set_value();
    });
    done.get_future().wait();
}

}  // namespace keeper::test
