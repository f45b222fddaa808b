// TLS client setup shared by the wss:// websocket (Asio + OpenSSL). libcurl (https://) applies
// the same TlsSettings in http.cpp and mev/relay_client.cpp with its own options.
//
// The policy, in one place: TLS 1.2 or later; the peer's chain verified against the system
// trust store or, when TlsSettings::ca_file is set, against that file only; the certificate
// checked against the host the URL names (a DNS name against its DNS SANs, an IP literal
// against its IP SANs, by OpenSSL's own X509_check_host / X509_check_ip); SNI sent for DNS
// names. Nothing here turns verification off.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <string>
#include <string_view>

#include <boost/asio/ssl/context.hpp>

#include "keeper/core/expected.hpp"
#include "keeper/rpc/settings.hpp"

namespace keeper::rpc {

namespace asio = boost::asio;

/// A client context with the policy above. The error names the CA file and what is wrong with
/// it ("tls ca_file '/etc/keeper/ca.pem': no certificate in the file").
[[nodiscard]] Expected<asio::ssl::context, std::string> make_tls_client_context(const TlsSettings& settings);

/// Per connection, before the handshake: SNI (DNS names only, RFC 6066) and the name the
/// certificate must carry. The error is OpenSSL's reason.
[[nodiscard]] Expected<void, std::string> set_tls_peer_name(SSL* ssl, std::string_view host);

/// After a failed handshake: why the peer's certificate was rejected ("certificate verify
/// failed: self-signed certificate in certificate chain", "... hostname mismatch"), or empty
/// when the failure was not a verification failure.
[[nodiscard]] std::string tls_verify_failure(const SSL* ssl);

/// Checks that `path` is a readable PEM file holding at least one certificate OpenSSL can
/// parse. Used at start (config validation, connection setup) so a bad path fails early.
[[nodiscard]] Expected<void, std::string> check_ca_file(const std::string& path);

}  // namespace keeper::rpc
