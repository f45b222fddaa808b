// A minimal std::expected stand-in (C++23's is not available under C++20 with g++ 12).
// Pure layers report failures through this type instead of exceptions.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace keeper {

template <class E>
class Unexpected {
public:
    constexpr explicit Unexpected(E e) : error_(std::move(e)) {}
    [[nodiscard]] constexpr const E& error() const& noexcept { return error_; }
    [[nodiscard]] constexpr E&& error() && noexcept { return std::move(error_); }

private:
    E error_;
};

template <class E>
Unexpected(E) -> Unexpected<E>;

/// Holds either a value of T or an error of E. Accessing the wrong alternative is a
/// programmer error (asserted), never undefined behaviour in release: it falls back to
/// std::get, which terminates through an uncaught bad_variant_access.
template <class T, class E>
class [[nodiscard]] Expected {
public:
    using value_type = T;
    using error_type = E;

    constexpr Expected() requires std::is_default_constructible_v<T> : v_(std::in_place_index<0>) {}
    template <class U = T>
        requires std::is_constructible_v<T, U&&> && (!std::is_same_v<std::remove_cvref_t<U>, Expected>) &&
                 (!std::is_same_v<std::remove_cvref_t<U>, Unexpected<E>>)
    constexpr Expected(U&& v) : v_(std::in_place_index<0>, std::forward<U>(v)) {}  // NOLINT(google-explicit-constructor)
    template <class G>
    constexpr Expected(Unexpected<G> u) : v_(std::in_place_index<1>, std::move(u).error()) {}  // NOLINT

    [[nodiscard]] constexpr bool has_value() const noexcept { return v_.index() == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    [[nodiscard]] constexpr T& value() & { return std::get<0>(v_); }
    [[nodiscard]] constexpr const T& value() const& { return std::get<0>(v_); }
    [[nodiscard]] constexpr T&& value() && { return std::get<0>(std::move(v_)); }
    [[nodiscard]] constexpr const E& error() const& { return std::get<1>(v_); }
    [[nodiscard]] constexpr E&& error() && { return std::get<1>(std::move(v_)); }

    constexpr T& operator*() & { return value(); }
    constexpr const T& operator*() const& { return value(); }
    constexpr T&& operator*() && { return std::move(*this).value(); }
    constexpr T* operator->() { return &value(); }
    constexpr const T* operator->() const { return &value(); }

    template <class U>
    [[nodiscard]] constexpr T value_or(U&& fallback) const& {
        return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

private:
    std::variant<T, E> v_;
};

/// Expected<void, E>: success carries nothing.
template <class E>
class [[nodiscard]] Expected<void, E> {
public:
    constexpr Expected() = default;
    template <class G>
    constexpr Expected(Unexpected<G> u) : err_(std::move(u).error()), ok_(false) {}  // NOLINT

    [[nodiscard]] constexpr bool has_value() const noexcept { return ok_; }
    constexpr explicit operator bool() const noexcept { return ok_; }
    [[nodiscard]] constexpr const E& error() const& {
        assert(!ok_);
        return err_;
    }

private:
    E err_{};
    bool ok_{true};
};

}  // namespace keeper
