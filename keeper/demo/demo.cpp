#include "keeper/demo/demo.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "keeper/abi/json_abi.hpp"
#include "keeper/config/config.hpp"
#include "keeper/core/hex.hpp"
#include "keeper/crypto/eip55.hpp"
#include "keeper/demo/process.hpp"
#include "keeper/demo/svg.hpp"
#include "keeper/keystore/keystore.hpp"

namespace keeper::demo {

namespace fs = std::filesystem;

namespace {

using svg::fmt;

constexpr std::uint64_t kChainId = 31337;
constexpr double kDepositQuote = 3'000'000.0;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw DemoError("cannot read '" + p.string() + "'");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Writes a file readable by the owner only (keystore, password, config).
void write_private_file(const fs::path& p, std::string_view content) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0) throw DemoError("cannot create '" + p.string() + "'");
    ::fchmod(fd, S_IRUSR | S_IWUSR);
    std::string_view rest = content;
    while (!rest.empty()) {
        const auto n = ::write(fd, rest.data(), rest.size());
        if (n <= 0) {
            ::close(fd);
            throw DemoError("cannot write '" + p.string() + "'");
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    ::close(fd);
}

void write_file(const fs::path& p, std::string_view content) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw DemoError("cannot write '" + p.string() + "'");
}

std::string tail_lines(const fs::path& p, std::size_t n) {
    std::ifstream in(p);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(line);
        if (lines.size() > n) lines.erase(lines.begin());
    }
    std::string out;
    for (const auto& l : lines) out += "    " + l + "\n";
    return out;
}

// forge shares one cache and one broadcast folder per project: its runs are serialized with
// the test suites' (tests/support/stack.cpp takes the same lock).
class FileLock {
public:
    explicit FileLock(const fs::path& path) : fd_(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644)) {
        if (fd_ >= 0) ::flock(fd_, LOCK_EX);
    }
    ~FileLock() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int fd_;
};

Deployment deploy(const DemoOptions& o, const fs::path& forge, std::uint16_t port, const Address& keeper,
                  const fs::path& out) {
    const std::string name = "demo-deployment-" + std::to_string(::getpid()) + "-" + std::to_string(port);
    const fs::path source(o.source_dir);
    fs::create_directories(source / "build");
    Expected<RunOutput, std::string> r = Unexpected(std::string());
    {
        FileLock lock(source / "build" / ".forge-deploy.lock");
        SpawnOptions s;
        s.argv = {forge.string(), "script", "contracts/script/Deploy.s.sol:Deploy", "--rpc-url",
                  "http://127.0.0.1:" + std::to_string(port), "--broadcast", "--unlocked", "--sender",
                  to_checksum(dev_account(0, "deployer").address), "--slow", "--quiet"};
        s.extra_env = {"DEPLOYMENT_NAME=" + name, "KEEPER=" + to_checksum(keeper)};
        s.cwd = source.string();
        r = run_captured(s, std::chrono::minutes(15));
    }
    if (!r) throw DemoError("forge script Deploy: " + r.error());
    if (r->exit_code != 0) {
        write_file(out / "forge-deploy.log", r->output);
        throw DemoError("forge script Deploy exited " + std::to_string(r->exit_code) + " (output in " +
                        (out / "forge-deploy.log").string() + ")");
    }
    const fs::path written = source / "config" / (name + ".json");
    const std::string json = read_file(written);
    fs::remove(written);
    write_file(out / "deployment.json", json);
    auto d = parse_deployment(json);
    if (!d) throw DemoError(written.string() + ": " + d.error());
    if (d->chain_id != kChainId) throw DemoError("the deploy script wrote chain id " + std::to_string(d->chain_id));
    return *d;
}

std::string random_password() {
    std::array<std::uint8_t, 24> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) throw DemoError("no randomness for the password");
    std::string hex = to_hex_raw(bytes);
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return hex;
}

struct KeeperFiles {
    fs::path config, keystore, password, journal, log;
    std::uint16_t metrics_port{0};
};

KeeperFiles write_keeper_files(const fs::path& out, std::uint16_t rpc_port, const Deployment& d,
                               const MarketSpec& market) {
    KeeperFiles f;
    f.keystore = fs::absolute(out / "keeper-keystore.json");
    f.password = fs::absolute(out / "keeper.password");
    f.journal = fs::absolute(out / "keeper-journal.sqlite");
    f.config = fs::absolute(out / "keeper.toml");
    f.log = fs::absolute(out / "keeper.log");
    for (const auto& p : {f.journal, fs::path(f.journal.string() + "-wal"), fs::path(f.journal.string() + "-shm"), f.log})
        fs::remove(p);
    // The keeper's key is anvil's dev account 1 (the deploy script grants it KEEPER_ROLE),
    // stored the way an operator would store a real one: a keystore and a password file.
    std::string password = random_password();
    const Account keeper = dev_account(1, "keeper");
    auto ks = encrypt_keystore(keeper.key, password);
    if (!ks) {
        OPENSSL_cleanse(password.data(), password.size());
        throw DemoError("keystore: " + ks.error().message);
    }
    write_private_file(f.keystore, to_json(*ks));
    write_private_file(f.password, password + "\n");
    OPENSSL_cleanse(password.data(), password.size());
    f.metrics_port = free_loopback_port();
    KeeperConfigInputs in;
    in.rpc_port = rpc_port;
    in.chain_id = d.chain_id;
    in.vault = d.vault;
    in.lens = d.lens;
    in.keystore_path = f.keystore.string();
    in.password_path = f.password.string();
    in.journal_path = f.journal.string();
    in.metrics_port = f.metrics_port;
    in.step_seconds = market.step_seconds;
    const std::string toml = keeper_config_toml(in);
    // Checked with the daemon's own parser first: a bad generated file is the demo's bug and
    // should say so, not surface as the keeper exiting at start.
    if (auto c = config::parse_config(toml, config::empty_env(), f.config.string()); !c)
        throw DemoError("generated keeper config is invalid: " + c.error().to_string());
    write_private_file(f.config, toml);
    return f;
}

std::string describe_exit(int status) {
    if (status > 128) return "killed by signal " + std::to_string(status - 128);
    return "exited " + std::to_string(status);
}

}  // namespace

std::string default_source_dir() { return KEEPER_SOURCE_DIR; }

std::vector<SeriesSpec> initial_book(double spot) {
    auto strike = [&](double f) { return std::round(spot * f / 50.0) * 50.0; };
    return {
        {true, strike(1.00), 7 * 86400, 0.7, 30.0},
        {false, strike(0.95), 7 * 86400, 0.7, 25.0},
        {true, strike(1.10), 14 * 86400, 0.7, 20.0},
        {false, strike(1.00), 14 * 86400, 0.7, 15.0},
    };
}

std::string keeper_config_toml(const KeeperConfigInputs& in) {
    // Quoted TOML basic strings: the paths come from the demo's own --out directory.
    auto quote = [](const std::string& s) {
        std::string q = "\"";
        for (const char c : s) {
            if (c == '"' || c == '\\') q += '\\';
            q += c;
        }
        return q + "\"";
    };
    const std::string port = std::to_string(in.rpc_port);
    std::ostringstream t;
    t << "# Generated by `keeper demo` for its local anvil chain; see config/anvil.toml for every key.\n"
      << "dry_run = false\n\n"
      << "[network]\nname = \"anvil\"\nchain_id = " << in.chain_id << "\n\n"
      << "[rpc]\nws_url = \"ws://127.0.0.1:" << port << "\"\n\n"
      << "[[rpc.endpoints]]\nname = \"anvil\"\nurl = \"http://127.0.0.1:" << port << "\"\n\n"
      << "[rpc.heads]\npoll_interval_ms = 250\n\n"
      << "[keys]\nkeystore = " << quote(in.keystore_path) << "\npassword_file = " << quote(in.password_path)
      << "\n\n"
      << "[journal]\npath = " << quote(in.journal_path) << "\n\n"
      << "[[vaults]]\naddress = \"" << to_checksum(in.vault) << "\"\nlens = \"" << to_checksum(in.lens) << "\"\n\n"
      // An absolute band of one underlying unit, back to the centre: the vault's own dead band
      // is half a unit, so every trade the keeper wants is one the vault accepts.
      << "[policy]\nkind = \"delta_band\"\nband = 1.0\nunit = \"absolute\"\nto = \"center\"\n\n"
      // The demo compresses time (one market step is step_seconds of chain time, a few hundred
      // milliseconds of wall time), so a hedge that misses the keeper block lands one step
      // later: its deadline must outlive a step.
      << "[planner]\nmin_trade = 0.01\nmax_slippage_bps = 100\nmax_deviation_bps = 100\noracle_max_age_s = 3600\n"
      << "deadline_s = " << 3 * in.step_seconds << "\nmin_keeper_balance_eth = 0.05\nrate = 0.0\n\n"
      << "[txm]\nconfirmations = 1\nbump_after_blocks = 3\nbump_percent = 12\nbump_min_increment_gwei = 1\n"
      << "fee_cap_gwei = 200\nintent_ttl_s = " << 3 * in.step_seconds << "\ngas_limit_margin_percent = 25\n\n"
      << "[fees]\nhistory_blocks = 20\nreward_percentile = 50\npriority_fee_min_gwei = 1\npriority_fee_max_gwei = 5\n"
      << "base_fee_multiplier = 2.0\n\n"
      << "[submit]\nmode = \"public\"\n\n"
      << "[metrics]\nenabled = true\nlisten = \"127.0.0.1:" << in.metrics_port << "\"\n\n"
      << "[log]\nlevel = \"info\"\njson = false\n";
    return t.str();
}

std::string format_samples_csv(const MarketRecord& r) {
    std::string s = "block,timestamp,step,kind,path_price,oracle_price,pool_price,delta,target,tolerance,budget\n";
    for (const auto& x : r.samples) {
        // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) about chains of operator+.
        for (const std::string& field : {std::to_string(x.block), std::to_string(x.timestamp), std::to_string(x.step)}) {
            s += field;
            s += ',';
        }
        s += x.market_block ? "market" : "keeper";
        for (const double v : {x.path_price, x.oracle_price, x.pool_price, x.delta, x.target, x.tolerance, x.budget}) {
            s += ',';
            s += fmt("%.10g", v);
        }
        s += '\n';
    }
    return s;
}

DemoResult run_demo(const DemoOptions& o) {
    const fs::path source(o.source_dir);
    if (!fs::exists(source / "contracts" / "script" / "Deploy.s.sol"))
        throw DemoError("source directory '" + o.source_dir + "' has no contracts/script/Deploy.s.sol (--source-dir)");
    const fs::path anvil_bin =
        o.anvil.empty() ? source / "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" : fs::path(o.anvil);
    const fs::path forge_bin = o.forge.empty() ? source / "node_modules/.bin/forge" : fs::path(o.forge);
    for (const auto& [bin, flag] : {std::pair{anvil_bin, "--anvil"}, std::pair{forge_bin, "--forge"}})
        if (::access(bin.c_str(), X_OK) != 0)
            throw DemoError(bin.string() + " is not an executable (" + flag + "; `npm ci` installs it)");
    const fs::path out = fs::absolute(o.out_dir);
    fs::create_directories(out);
    std::ostream* log = o.progress;
    auto say = [&](const std::string& line) {
        if (log != nullptr) *log << line << std::endl;
    };

    // 1. The chain. The demo mines every block itself (automine only while deploying and
    // seeding), so each market move and each hedge gets its own block and the run does not
    // race the wall clock.
    const std::uint16_t port = free_loopback_port();
    SpawnOptions anvil_spawn;
    anvil_spawn.argv = {anvil_bin.string(), "--host", "127.0.0.1", "--port", std::to_string(port), "--chain-id",
                        std::to_string(kChainId), "--silent"};
    anvil_spawn.death_signal = SIGKILL;
    auto anvil = Child::spawn(anvil_spawn);
    if (!anvil) throw DemoError("anvil: " + anvil.error());
    if (!wait_for_port(port, std::chrono::seconds(20))) {
        if (stop_requested()) throw DemoError("interrupted");
        throw DemoError("anvil did not open port " + std::to_string(port) + " within 20 s");
    }
    std::shared_ptr<const abi::Abi> vault_abi;
    if (auto text = std::ifstream(source / "abi" / "OptionsVault.json"); text) {
        std::ostringstream s;
        s << text.rdbuf();
        if (auto a = abi::Abi::from_json(s.str())) vault_abi = std::make_shared<const abi::Abi>(std::move(*a));
    }
    const std::string url = "http://127.0.0.1:" + std::to_string(port);
    Chain chain(url, kChainId, std::chrono::seconds(20), vault_abi);
    const auto client = chain.request("web3_clientVersion");
    say("chain: " + (client.is_string() ? client.get<std::string>() : std::string("anvil")) + " at " + url);

    // 2. The stack, by the project's forge script.
    const Address keeper_address = dev_account(1, "keeper").address;
    say("deploying the stack with forge (contracts/script/Deploy.s.sol) ...");
    const Deployment d = deploy(o, forge_bin, port, keeper_address, out);
    say("  vault " + to_checksum(d.vault) + ", lens " + to_checksum(d.lens) + ", pool " + to_checksum(d.pool));

    // 3. The vault's book, written by the demo's own transactions.
    DriverSettings ds;
    ds.market = o.market;
    ds.keeper = keeper_address;
    ds.keeper_wait = o.keeper_wait;
    MarketDriver driver(chain, d, ds);
    driver.inspect();
    const double spot = driver.oracle_price();
    const auto book = initial_book(spot);
    say("seeding the vault: deposit " + fmt("%.0f", kDepositQuote) + " quote, " + std::to_string(book.size()) +
        " series written");
    driver.seed_vault(kDepositQuote, book);
    driver.fund_trader();

    // 4. The keeper daemon, as an operator would run it.
    RunInfo info;
    info.market = o.market;
    info.chain = (client.is_string() ? client.get<std::string>() : std::string("anvil")) + " on 127.0.0.1:" +
                 std::to_string(port) + ", chain " + std::to_string(kChainId);
    std::optional<Child> keeper;
    KeeperFiles kf;
    if (!o.keeper_binary.empty()) {
        kf = write_keeper_files(out, port, d, o.market);
        SpawnOptions ks;
        ks.argv = {o.keeper_binary, "run", "--config", kf.config.string()};
        ks.log_path = kf.log.string();
        ks.death_signal = SIGTERM;
        auto child = Child::spawn(ks);
        if (!child) throw DemoError("keeper: " + child.error());
        keeper.emplace(std::move(*child));
        say("keeper: pid " + std::to_string(keeper->pid()) + ", config " + kf.config.string() + ", log " +
            kf.log.string() + ", metrics http://127.0.0.1:" + std::to_string(kf.metrics_port) + "/metrics");
        // Ready once it serves /ready (it has verified the chain and started its loop).
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        bool ready = false;
        while (std::chrono::steady_clock::now() < deadline && !stop_requested()) {
            if (auto status = keeper->poll())
                throw DemoError("the keeper " + describe_exit(*status) + " at start; its log ends:\n" +
                                tail_lines(kf.log, 15));
            if (http_get(kf.metrics_port, "/ready")) {
                ready = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (stop_requested()) throw DemoError("interrupted");
        if (!ready) say("  warning: the keeper did not report ready within 30 s; driving the market anyway");
        info.keeper_ran = true;
    } else {
        info.keeper_status = "not started (--no-keeper): the market ran without hedging";
    }

    // 5. The market.
    ds.wait_for_keeper = keeper.has_value();
    Child* keeper_ptr = keeper ? &*keeper : nullptr;
    ds.keeper_alive = [keeper_ptr] { return keeper_ptr == nullptr || !keeper_ptr->poll(); };
    std::size_t hedges_seen = 0;
    ds.on_step = [&](const StepProgress& p) {
        if (log == nullptr) return;
        const auto& a = *p.after_keeper;
        char line[256];
        std::snprintf(line, sizeof line, "step %4u/%-4u block %6llu  price %9.2f  delta %+8.3f  band %+.2f+-%.2f",
                      p.step, p.steps, static_cast<unsigned long long>(a.block), a.oracle_price, a.delta, a.target,
                      a.tolerance);
        std::string s = line;
        if (p.hedge != nullptr) {
            hedges_seen += 1;
            std::snprintf(line, sizeof line, "  hedge #%zu: %s %.4f, delta %+.3f -> %+.3f, gas %llu", hedges_seen,
                          p.hedge->buy_underlying ? "buy" : "sell",
                          p.hedge->buy_underlying ? p.hedge->amount_out : p.hedge->amount_in, p.hedge->delta_before,
                          p.hedge->delta_after, static_cast<unsigned long long>(p.hedge->gas_used));
            s += line;
        }
        if (p.write != nullptr)
            s += "  wrote " + fmt("%.0f", p.write->size) + (p.write->is_call ? " calls K=" : " puts K=") +
                 fmt("%.0f", p.write->strike);
        *log << s << std::endl;
    };
    MarketDriver market(chain, d, ds);
    market.inspect();
    say("driving the market: " + std::to_string(o.market.steps) + " steps of " + std::to_string(o.market.step_seconds) +
        " s, seed " + std::to_string(o.market.seed));
    MarketRecord record = market.run();

    // 6. The keeper's own view, then stop it.
    if (keeper) {
        if (auto m = http_get(kf.metrics_port, "/metrics")) info.keeper_metrics = *m;
        if (auto status = keeper->poll()) {
            info.keeper_status = "exited on its own (" + describe_exit(*status) + ") during the run; log " +
                                 kf.log.string();
        } else {
            const int code = keeper->stop(std::chrono::seconds(15));
            info.keeper_status = "ran the whole market; stopped with SIGTERM (" + describe_exit(code) + ")";
        }
        keeper.reset();
    }

    DemoResult result;
    result.summary = summarize(record);
    result.info = info;
    result.report_path = (out / "live.html").string();
    result.csv_path = (out / "live.csv").string();
    write_file(result.report_path, format_html(record, result.summary, info));
    write_file(result.csv_path, format_samples_csv(record));

    if (o.keep_chain && !stop_requested()) {
        say("--keep-chain: anvil stays up at " + url + " (deployment in " + (out / "deployment.json").string() +
            "); Ctrl-C to stop it");
        while (!stop_requested() && !anvil->poll()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return result;
}

}  // namespace keeper::demo
