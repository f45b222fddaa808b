// Catch2 printers for failure messages: U256 through keeper::to_dec (Boost's own formatting
// trips a g++ 12 -Wrestrict false positive), fees, and state machine actions.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>
#include <variant>

#include "keeper/core/hex.hpp"
#include "keeper/core/u256.hpp"
#include "keeper/txm/machine.hpp"

namespace Catch {

template <>
struct StringMaker<keeper::U256> {
    static std::string convert(const keeper::U256& v) { return keeper::to_dec(v); }
};

template <>
struct StringMaker<keeper::txm::Fees> {
    static std::string convert(const keeper::txm::Fees& f) {
        return "{max " + keeper::to_dec(f.max_fee_per_gas) + ", tip " + keeper::to_dec(f.max_priority_fee_per_gas) +
               "}";
    }
};

template <>
struct StringMaker<keeper::txm::Action> {
    static std::string convert(const keeper::txm::Action& action) {
        using namespace keeper::txm;
        return std::visit(
            [](const auto& a) -> std::string {
                using A = std::decay_t<decltype(a)>;
                if constexpr (std::is_same_v<A, SignIntent>) {
                    return "SignIntent(" + std::to_string(a.intent) + ")";
                } else if constexpr (std::is_same_v<A, Broadcast>) {
                    return "Broadcast(" + std::to_string(a.attempt) + ", " + keeper::to_hex(a.raw) + ", " +
                           std::string(to_string(a.reason)) + ")";
                } else if constexpr (std::is_same_v<A, SignReplacement>) {
                    return "SignReplacement(" + std::to_string(a.intent) + ", " + std::to_string(a.nonce) + ", " +
                           StringMaker<Fees>::convert(a.fees) + ")";
                } else if constexpr (std::is_same_v<A, SignCancel>) {
                    return "SignCancel(" + std::to_string(a.intent) + ", " + std::to_string(a.nonce) + ", " +
                           StringMaker<Fees>::convert(a.fees) + ")";
                } else if constexpr (std::is_same_v<A, RecordReceipt>) {
                    return "RecordReceipt(" + std::to_string(a.attempt) + ", block " +
                           std::to_string(a.receipt.block_number) + " " + keeper::to_hex(a.receipt.block_hash) + ")";
                } else if constexpr (std::is_same_v<A, ForgetReceipt>) {
                    return "ForgetReceipt(" + std::to_string(a.attempt) + ")";
                } else if constexpr (std::is_same_v<A, MarkFinal>) {
                    return "MarkFinal(" + std::to_string(a.intent) + ", " +
                           (a.attempt ? std::to_string(*a.attempt) : std::string("-")) + ", " +
                           std::string(to_string(a.outcome)) + ")";
                } else if constexpr (std::is_same_v<A, Halt>) {
                    return "Halt(" + std::string(to_string(a.reason)) + ", " + std::to_string(a.intent) + ")";
                } else {
                    return "Alert(" + std::string(to_string(a.kind)) + ", " + std::to_string(a.intent) + ")";
                }
            },
            action);
    }
};

}  // namespace Catch
