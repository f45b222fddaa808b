#include "keeper/cli/key_source.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string_view>

#include <openssl/crypto.h>

#include "keeper/cli/command.hpp"
#include "keeper/keystore/keystore.hpp"

namespace keeper::cli {
namespace {

constexpr std::size_t kMaxPasswordSize = 4096;

/// A std::string whose buffer is wiped when it goes out of scope. The whole capacity is
/// wiped, so nothing survives in a short string's inline buffer after a move either.
class WipedString {
public:
    WipedString() { s_.reserve(kMaxPasswordSize + 2); }  // no reallocation (and stray copy) while filling
    explicit WipedString(std::string s) : s_(std::move(s)) {}
    WipedString(WipedString&& other) noexcept : s_(std::move(other.s_)) { wipe(other.s_); }
    WipedString(const WipedString&) = delete;
    WipedString& operator=(const WipedString&) = delete;
    WipedString& operator=(WipedString&&) = delete;
    ~WipedString() { wipe(s_); }
    static void wipe(std::string& s) noexcept {
        OPENSSL_cleanse(s.data(), s.capacity());
        s.clear();
    }
    [[nodiscard]] std::string& str() noexcept { return s_; }
    [[nodiscard]] const std::string& str() const noexcept { return s_; }
    /// Hands the bytes to a caller that wipes them in turn.
    [[nodiscard]] std::string release() {
        std::string out = std::move(s_);
        wipe(s_);
        return out;
    }

private:
    std::string s_;
};

/// Strips one trailing "\n" or "\r\n" (what `echo pw > file` and editors add).
void strip_one_newline(std::string& s) {
    if (!s.empty() && s.back() == '\n') {
        s.pop_back();
        if (!s.empty() && s.back() == '\r') s.pop_back();
    }
}

/// The controlling terminal, opened for reading and writing; closed on scope exit.
class Tty {
public:
    Tty() : fd_(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) {}
    Tty(const Tty&) = delete;
    Tty& operator=(const Tty&) = delete;
    ~Tty() {
        if (fd_ >= 0) ::close(fd_);
    }
    [[nodiscard]] int fd() const noexcept { return fd_; }

private:
    int fd_{-1};
};

void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

/// Echo off for the lifetime of the guard; the saved mode is restored even on an exception.
class EchoOff {
public:
    explicit EchoOff(int fd) : fd_(fd) {
        if (::tcgetattr(fd_, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;
    ~EchoOff() {
        if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
    }
    [[nodiscard]] bool active() const noexcept { return active_; }

private:
    int fd_;
    termios saved_{};
    bool active_{false};
};

std::string prompt_line(const Tty& tty, std::string_view prompt) {
    write_all(tty.fd(), prompt);
    const EchoOff echo_off(tty.fd());
    if (!echo_off.active())
        throw UsageError("--password-file", "cannot turn off echo on the terminal; use --password-file");
    WipedString line;
    char c = 0;
    while (true) {
        const ssize_t n = ::read(tty.fd(), &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || c == '\n') break;
        if (line.str().size() >= kMaxPasswordSize) throw UsageError("password", "longer than 4096 bytes");
        line.str().push_back(c);
    }
    c = 0;
    if (!line.str().empty() && line.str().back() == '\r') line.str().pop_back();
    return line.release();
}

std::string prompt_password(bool confirm) {
    const Tty tty;
    if (tty.fd() < 0)
        throw UsageError("--password-file", "no terminal to prompt for the password; pass --password-file");
    WipedString first(prompt_line(tty, "Enter keystore password: "));
    if (confirm) {
        const WipedString second(prompt_line(tty, "Repeat password: "));
        if (first.str() != second.str()) throw UsageError("password", "the two entries do not match");
    }
    return first.release();
}

/// Reads a small secret file with plain read(2) into a wiped buffer (no stream buffers that
/// would keep a copy).
WipedString read_secret_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw UsageError("--password-file", "cannot open file '" + path + "'");
    WipedString out;
    std::array<char, 512> chunk{};
    bool read_error = false;
    bool too_long = false;
    while (true) {
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        read_error = n < 0;
        if (n <= 0) break;
        too_long = out.str().size() + static_cast<std::size_t>(n) > kMaxPasswordSize + 2;  // + "\r\n"
        if (too_long) break;
        out.str().append(chunk.data(), static_cast<std::size_t>(n));
    }
    OPENSSL_cleanse(chunk.data(), chunk.size());
    ::close(fd);
    if (read_error) throw UsageError("--password-file", "cannot read file '" + path + "'");
    if (too_long) throw UsageError("--password-file", "password longer than 4096 bytes");
    return out;
}

}  // namespace

void add_key_options(CLI::App* cmd, KeySourceOptions& options) {
    cmd->add_option("--keystore", options.keystore, "Keystore file (Web3 Secret Storage v3 JSON)")
        ->required()
        ->option_text("<PATH>");
    cmd->add_option("--password-file", options.password_file,
                    "File holding the keystore password (one trailing newline is ignored); without it, the password "
                    "is prompted for on the terminal")
        ->option_text("<PATH>");
}

std::string read_password(const std::string& password_file, bool confirm) {
    if (password_file.empty()) return prompt_password(confirm);
    if (password_file == "-") throw UsageError("--password-file", "must be a file, not standard input");
    WipedString content = read_secret_file(password_file);
    strip_one_newline(content.str());
    return content.release();
}

SecretKey load_signing_key(const KeySourceOptions& options) {
    if (options.keystore.empty()) throw UsageError("--keystore", "required");
    const std::string json = read_input_file(options.keystore, "--keystore");
    // Parse before asking for the password so a bad file fails without a prompt.
    auto parsed = parse_keystore(json);
    if (!parsed) throw UsageError("--keystore", parsed.error().message);
    WipedString password(read_password(options.password_file));
    auto key = decrypt_keystore(*parsed, password.str());
    if (!key) {
        if (key.error().code == KeystoreError::kMacMismatch) {
            throw UsageError(options.password_file.empty() ? "password" : "--password-file",
                             "wrong password for keystore '" + options.keystore + "'");
        }
        throw UsageError("--keystore", key.error().message);
    }
    return std::move(*key);
}

}  // namespace keeper::cli
