#include "keeper/rpc/tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <memory>

#include <boost/asio/ip/address.hpp>

namespace keeper::rpc {

namespace {

std::string openssl_reason() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) return "unknown OpenSSL error";
    char buf[256] = {};
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

bool is_ip_literal(std::string_view host) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(std::string(host), ec);
    static_cast<void>(address);
    return !ec;
}

}  // namespace

Expected<void, std::string> check_ca_file(const std::string& path) {
    const std::string what = "tls ca_file '" + path + "': ";
    if (path.empty()) return Unexpected(what + "empty path");
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) return Unexpected(what + "cannot open the file");
    ERR_clear_error();
    std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!cert) {
        ERR_clear_error();
        return Unexpected(what + "no PEM certificate in the file");
    }
    return {};
}

Expected<asio::ssl::context, std::string> make_tls_client_context(const TlsSettings& settings) {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                    asio::ssl::context::no_compression);
    if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1)
        return Unexpected("tls: cannot require TLS 1.2: " + openssl_reason());
    ctx.set_verify_mode(asio::ssl::verify_peer);
    boost::system::error_code ec;
    if (settings.ca_file.empty()) {
        ctx.set_default_verify_paths(ec);
        if (ec) return Unexpected("tls: cannot load the system trust store: " + ec.message());
    } else {
        auto checked = check_ca_file(settings.ca_file);
        if (!checked) return Unexpected(std::move(checked).error());
        ctx.load_verify_file(settings.ca_file, ec);
        if (ec) return Unexpected("tls ca_file '" + settings.ca_file + "': " + ec.message());
    }
    return ctx;
}

Expected<void, std::string> set_tls_peer_name(SSL* ssl, std::string_view host_view) {
    const std::string host(host_view);
    ERR_clear_error();
    if (is_ip_literal(host)) {
        // An IP literal: matched against the certificate's iPAddress SANs; no SNI (RFC 6066 3).
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1)
            return Unexpected("tls: cannot set the expected IP address: " + openssl_reason());
        return {};
    }
    // SSL_set_tlsext_host_name(), spelled out: the macro's C cast trips -Wold-style-cast.
    if (SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str())) != 1)
        return Unexpected("tls: cannot set SNI: " + openssl_reason());
    // No partial wildcards ("w*.example.com"), as browsers and RFC 6125 6.4.3 recommend.
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, host.c_str()) != 1)
        return Unexpected("tls: cannot set the expected host name: " + openssl_reason());
    return {};
}

std::string tls_verify_failure(const SSL* ssl) {
    if (ssl == nullptr) return {};
    const long result = SSL_get_verify_result(ssl);
    if (result == X509_V_OK) return {};
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(result);
}

}  // namespace keeper::rpc
