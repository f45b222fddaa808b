#include "support/anvil.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace keeper::test {

namespace {

struct Fd {
    int fd{-1};
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

// A minimal HTTP/1.1 POST over a blocking socket with a receive timeout; enough for readiness
// checks and test-side calls, and independent of the libcurl client under test.
std::string http_post(std::uint16_t port, const std::string& body) {
    Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (s.fd < 0) throw std::runtime_error("socket failed");
    timeval tv{2, 0};
    ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    auto addr = loopback(port);
    if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)  // NOLINT
        throw std::runtime_error("connect failed");
    const std::string request = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                "Connection: close\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;
    std::size_t sent = 0;
    while (sent < request.size()) {
        const auto n = ::send(s.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error("send failed");
        sent += static_cast<std::size_t>(n);
    }
    std::string response;
    char buf[4096];
    while (true) {
        const auto n = ::recv(s.fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        response.append(buf, static_cast<std::size_t>(n));
    }
    const auto header_end = response.find("\r\n\r\n");
    if (header_end == std::string::npos) throw std::runtime_error("no HTTP response");
    return response.substr(header_end + 4);
}

}  // namespace

std::uint16_t free_loopback_port() {
    Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto addr = loopback(0);
    if (::bind(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)  // NOLINT
        throw std::runtime_error("bind failed");
    socklen_t len = sizeof addr;
    ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&addr), &len);  // NOLINT
    return ntohs(addr.sin_port);
}

AnvilProcess::AnvilProcess(AnvilOptions options) : options_(std::move(options)) {
    port_ = options_.port != 0 ? options_.port : free_loopback_port();
    spawn();
    wait_ready(std::chrono::seconds(10));
}

AnvilProcess::~AnvilProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    // Give anvil a moment to exit cleanly, then make sure.
    for (int i = 0; i < 200; ++i) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
}

std::string AnvilProcess::http_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
std::string AnvilProcess::ws_url() const { return "ws://127.0.0.1:" + std::to_string(port_); }

void AnvilProcess::spawn() {
    if (options_.binary.empty()) throw std::runtime_error("AnvilOptions::binary is empty");
    std::vector<std::string> argv{options_.binary, "--host", "127.0.0.1", "--port", std::to_string(port_),
                                  "--chain-id", std::to_string(options_.chain_id), "--silent"};
    if (options_.block_time) {
        argv.emplace_back("--block-time");
        argv.push_back(std::to_string(*options_.block_time));
    }
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        const int devnull = ::open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            ::dup2(devnull, 0);
            ::dup2(devnull, 1);
            ::dup2(devnull, 2);
        }
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    pid_ = pid;
}

void AnvilProcess::wait_ready(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("anvil exited during startup (port " + std::to_string(port_) + ")");
        }
        try {
            if (raw_call("eth_chainId").find("\"result\"") != std::string::npos) return;
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("anvil did not answer eth_chainId within the time limit");
}

void AnvilProcess::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

void AnvilProcess::restart() {
    kill();
    spawn();
    wait_ready(std::chrono::seconds(10));
}

std::string AnvilProcess::raw_call(const std::string& method, const std::string& params_json) const {
    return http_post(port_, R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":)" + params_json + "}");
}

}  // namespace keeper::test
