// ABI subcommands over keeper/abi, following cast's arguments and output:
//   sig, abi-encode, calldata, abi-decode (decode-abi), decode-calldata, decode-error, decode-event.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "keeper/abi/codec.hpp"
#include "keeper/abi/json_abi.hpp"
#include "keeper/abi/log.hpp"
#include "keeper/abi/revert.hpp"
#include "keeper/abi/signature.hpp"
#include "keeper/abi/value.hpp"
#include "keeper/cli/command.hpp"
#include "keeper/core/hex.hpp"

namespace keeper::cli {

namespace {

using abi::DecodeMode;

template <class T>
T take(abi::Result<T> r, std::string_view what) {
    if (!r) throw UsageError(what, r.error().message);
    return std::move(r).value();
}

Bytes parse_hex_arg(const std::string& text, std::string_view what) {
    auto b = from_hex(text);
    if (!b) throw UsageError(what, "not valid hex: " + std::string(to_string(b.error())));
    return std::move(*b);
}

DecodeMode parse_mode(const std::string& mode) {
    if (mode == "strict") return DecodeMode::kStrict;
    if (mode == "canonical") return DecodeMode::kCanonical;
    if (mode == "lenient") return DecodeMode::kLenient;
    throw UsageError("--mode", "expected strict, canonical or lenient, got '" + mode + "'");
}

void print_values(const std::vector<abi::Value>& values) {
    for (const auto& v : values) std::cout << abi::format_value(v) << '\n';
}

abi::Abi load_abi(const std::string& path) {
    return take(abi::Abi::from_json(read_input_file(path, "--abi")), "--abi");
}

struct EncodeArgs {
    std::string sig;
    std::string first;  // the first argument (see add_encode_command)
    bool packed{false};
};

void add_encode_command(CLI::App& app, const char* name, const char* help, bool with_selector) {
    auto opts = std::make_shared<EncodeArgs>();
    auto* cmd = app.add_subcommand(name, help);
    cmd->add_option("sig", opts->sig, "Function signature, e.g. 'transfer(address,uint256)'")->required();
    // CLI11 would split a vector positional's value like "[1,2]" at its commas, so only the first
    // argument goes through a positional ("args", single-valued, which also lets a "--" after the
    // signature be accepted) and the rest is taken verbatim (prefix_command) from remaining().
    cmd->add_option("args", opts->first,
                    "Arguments in cast's syntax: 1e18, 1.5gwei, -5, 0x..., true, "
                    "[1,2], (0x...,\"text\"); '--' before negative numbers is optional")
        ->allow_extra_args(false);
    if (!with_selector) cmd->add_flag("--packed", opts->packed, "Packed encoding (abi.encodePacked)");
    cmd->prefix_command();
    cmd->callback([cmd, opts, with_selector] {
        std::vector<std::string> args = cmd->remaining();
        if (!args.empty() && args.front() == "--") args.erase(args.begin());  // the positional mark
        if (cmd->get_option("args")->count() > 0) args.insert(args.begin(), opts->first);
        const auto f = take(abi::parse_function(opts->sig), "sig");
        const auto values = take(abi::parse_values(abi::types_of(f.inputs), args), "args");
        const auto types = abi::types_of(f.inputs);
        const auto out = with_selector  ? take(abi::encode_call(f, values), "args")
                         : opts->packed ? take(abi::encode_packed(types, values), "args")
                                        : take(abi::encode(types, values), "args");
        std::cout << to_hex(out) << '\n';
    });
}

}  // namespace

void register_abi_commands(CLI::App& app) {
    {
        auto sig = std::make_shared<std::string>();
        auto* cmd = app.add_subcommand("sig", "Selector of a function signature (like cast sig)");
        cmd->add_option("sig", *sig, "e.g. 'transfer(address,uint256)' or 'function f(uint a) view'")->required();
        cmd->callback([sig] {
            const auto f = take(abi::parse_function(*sig), "sig");
            std::cout << to_hex(ByteView(f.selector())) << '\n';
        });
    }

    add_encode_command(app, "abi-encode", "ABI-encode arguments, without selector (like cast abi-encode)", false);
    add_encode_command(app, "calldata", "ABI-encode a call: selector and arguments (like cast calldata)", true);

    {
        struct Opts {
            std::string sig, data, mode{"strict"};
            bool input{false};
        };
        auto o = std::make_shared<Opts>();
        auto* cmd = app.add_subcommand("abi-decode",
                                       "Decode ABI data: the outputs of 'f(in)(out)', or with --input "
                                       "the inputs (without selector), like cast abi-decode");
        cmd->alias("decode-abi");
        cmd->add_option("sig", o->sig, "Signature 'name(inputs)(outputs)'")->required();
        cmd->add_option("data", o->data, "ABI-encoded data (hex)")->required();
        cmd->add_flag("-i,--input", o->input, "Decode the inputs instead of the outputs");
        cmd->add_option("--mode", o->mode, "strict (default), canonical or lenient");
        cmd->callback([o] {
            const auto f = take(abi::parse_function(o->sig), "sig");
            const auto data = parse_hex_arg(o->data, "data");
            const auto& params = o->input ? f.inputs : f.outputs;
            if (params.empty() && !data.empty())
                throw UsageError("sig", o->input ? "the signature has no inputs"
                                                 : "the signature has no outputs; write 'f(in)(out)' or pass --input");
            print_values(take(abi::decode(abi::types_of(params), data, parse_mode(o->mode)), "data"));
        });
    }

    {
        struct Opts {
            std::string sig, data, mode{"strict"};
        };
        auto o = std::make_shared<Opts>();
        auto* cmd = app.add_subcommand("decode-calldata",
                                       "Decode calldata (selector first) against a signature, "
                                       "like cast decode-calldata; the selector must match");
        cmd->add_option("sig", o->sig, "Function signature")->required();
        cmd->add_option("calldata", o->data, "Calldata (hex)")->required();
        cmd->add_option("--mode", o->mode, "strict (default), canonical or lenient");
        cmd->callback([o] {
            const auto f = take(abi::parse_function(o->sig), "sig");
            const auto data = parse_hex_arg(o->data, "calldata");
            print_values(take(abi::decode_call(f, data, parse_mode(o->mode)), "calldata"));
        });
    }

    {
        struct Opts {
            std::string data, sig, abi_path;
        };
        auto o = std::make_shared<Opts>();
        auto* cmd = app.add_subcommand(
            "decode-error",
            "Decode revert data. With --sig, print the arguments one per line like cast decode-error; otherwise "
            "recognise Error(string), Panic(uint256) and the custom errors of --abi and print one line");
        cmd->add_option("data", o->data, "Revert data (hex)")->required();
        cmd->add_option("--sig,--error-sig", o->sig, "Error signature, e.g. 'InsufficientBalance(uint256,uint256)'");
        cmd->add_option("--abi", o->abi_path, "JSON ABI (or forge artifact) with the custom errors");
        cmd->callback([o] {
            const auto data = parse_hex_arg(o->data, "data");
            if (!o->sig.empty()) {
                const auto e = take(abi::parse_error(o->sig), "--sig");
                const auto sel = e.selector();
                if (data.size() < 4 || !std::equal(sel.begin(), sel.end(), data.begin()))
                    throw UsageError(
                        "data", "does not start with the selector " + to_hex(ByteView(sel)) + " of " + e.signature());
                print_values(take(abi::decode(abi::types_of(e.inputs), ByteView(data).subspan(4)), "data"));
                return;
            }
            std::unique_ptr<abi::Abi> contract;
            if (!o->abi_path.empty()) contract = std::make_unique<abi::Abi>(load_abi(o->abi_path));
            const auto reason = take(abi::decode_revert(data, contract.get()), "data");
            if (reason.kind == abi::RevertKind::kUnknown)
                throw UsageError("data", abi::describe(reason) + ": no matching error; pass --sig or --abi");
            std::cout << abi::describe(reason) << '\n';
        });
    }

    {
        struct Opts {
            std::string data, sig, abi_path;
            std::vector<std::string> topics;
        };
        auto o = std::make_shared<Opts>();
        auto* cmd = app.add_subcommand(
            "decode-event",
            "Decode an event log, printing one value per line in declaration order (like cast decode-event). "
            "Without --topic only the data (non-indexed parameters) is decoded");
        cmd->add_option("data", o->data, "Log data (hex)")->required();
        cmd->add_option("--sig,--event-sig", o->sig,
                        "Event signature, e.g. 'Transfer(address indexed,address indexed,uint256)'");
        cmd->add_option("--topic,--topics", o->topics, "Log topics in order, topic 0 first (repeat or comma-separate)")
            ->delimiter(',');
        cmd->add_option("--abi", o->abi_path, "JSON ABI to match topic 0 against");
        cmd->callback([o] {
            const auto data = parse_hex_arg(o->data, "data");
            std::vector<Hash32> topics;
            for (const auto& t : o->topics) {
                auto h = fixed_from_hex<Hash32>(t);
                if (!h) throw UsageError("--topic", "'" + t + "' is not a 32-byte hex word");
                topics.push_back(*h);
            }
            if (o->sig.empty() == o->abi_path.empty()) throw UsageError("--sig", "give exactly one of --sig and --abi");
            std::vector<abi::Value> values;
            if (!o->sig.empty()) {
                const auto event = take(abi::parse_event(o->sig), "--sig");
                if (topics.empty()) {
                    std::vector<abi::Type> types;
                    for (const auto& p : event.inputs)
                        if (!p.indexed) types.push_back(p.type);
                    print_values(take(abi::decode(types, data), "data"));
                    return;
                }
                for (auto& f : take(abi::decode_log(event, topics, data), "--topic"))
                    values.push_back(std::move(f.value));
            } else {
                const auto contract = load_abi(o->abi_path);
                for (auto& f : take(abi::decode_log(contract, topics, data), "--topic").fields)
                    values.push_back(std::move(f.value));
            }
            print_values(values);
        });
    }
}

}  // namespace keeper::cli
