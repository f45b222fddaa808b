// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {BlackScholes} from "./BlackScholes.sol";

/// @title VaultMath
/// @notice The valuation and price-conversion formulas shared by `OptionsVault` (which enforces them) and
/// `OptionsVaultLens` (which reports them), so both compute bit-identical values from the same inputs.
/// @dev Units as in `IOptionsVault`: sizes in underlying base units, prices WAD (quote per whole underlying), values
/// in quote base units. `Market` carries the per-vault constants; the vault keeps them immutable.
library VaultMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;
    int256 private constant SIGNED_WAD = 1e18;

    int256 private constant LN_1_0001 = 99_995_000_333_308; // ln(1.0001), WAD
    int256 private constant LN_10 = 2_302_585_092_994_045_684; // ln(10), WAD
    uint256 private constant Q192 = 1 << 192;
    uint256 private constant Q128 = 1 << 128;
    uint256 private constant Q64 = 1 << 64;

    /// @notice Per-vault constants derived from the two tokens and the pool.
    /// @param quoteUnit 10^quote decimals.
    /// @param underlyingUnit 10^underlying decimals.
    /// @param priceScale WAD price = raw pool price (quote base units per underlying base unit) * priceScale / WAD.
    /// @param lnPriceScale ln(priceScale / WAD), WAD.
    /// @param underlyingIsToken0 Pool orientation.
    struct Market {
        uint256 quoteUnit;
        uint256 underlyingUnit;
        uint256 priceScale;
        int256 lnPriceScale;
        bool underlyingIsToken0;
    }

    /// @notice The constants for tokens with these decimals (each at most 18) and this pool orientation.
    function market(uint8 quoteDecimals, uint8 underlyingDecimals, bool underlyingIsToken0)
        internal
        pure
        returns (Market memory m)
    {
        m.quoteUnit = 10 ** quoteDecimals;
        m.underlyingUnit = 10 ** underlyingDecimals;
        m.priceScale = WAD * m.underlyingUnit / m.quoteUnit;
        m.lnPriceScale = (int256(uint256(underlyingDecimals)) - int256(uint256(quoteDecimals))) * LN_10;
        m.underlyingIsToken0 = underlyingIsToken0;
    }

    // ---------------------------------------------------------------------------------------------------- values

    /// @notice Value in quote base units of `amount` underlying base units at WAD `price`.
    function quoteValue(Market memory m, uint256 amount, uint256 price, Math.Rounding rounding)
        internal
        pure
        returns (uint256)
    {
        return Math.mulDiv(amount, price * m.quoteUnit, WAD * m.underlyingUnit, rounding);
    }

    /// @notice Underlying base units worth `amount` quote base units at WAD `price`.
    function underlyingValue(Market memory m, uint256 amount, uint256 price, Math.Rounding rounding)
        internal
        pure
        returns (uint256)
    {
        return Math.mulDiv(amount, WAD * m.underlyingUnit, price * m.quoteUnit, rounding);
    }

    /// @notice Delta of a short position in `size` options: size * BS delta, underlying base units (rounded toward
    /// zero). Expired series contribute their step delta.
    function optionDelta(bool isCall, uint256 size, uint256 price, uint256 strike, uint256 vol, uint256 expiry)
        internal
        view
        returns (int256)
    {
        // size < 2^128 and |delta| <= 1e18: the product fits in int256.
        return SafeCast.toInt256(size) * BlackScholes.delta(isCall, price, strike, vol, _timeTo(expiry))
            / SIGNED_WAD;
    }

    /// @notice Black-Scholes value of `size` options, quote base units, rounded up (a liability).
    function markValue(
        Market memory m,
        bool isCall,
        uint256 size,
        uint256 price,
        uint256 strike,
        uint256 vol,
        uint256 expiry
    ) internal view returns (uint256) {
        return quoteValue(m, size, BlackScholes.price(isCall, price, strike, vol, _timeTo(expiry)), Math.Rounding.Ceil);
    }

    /// @notice Payoff of `size` options at `price`, quote base units, rounded up (a liability).
    function payoffValue(Market memory m, bool isCall, uint256 size, uint256 price, uint256 strike)
        internal
        pure
        returns (uint256)
    {
        return quoteValue(m, size, BlackScholes.intrinsic(isCall, price, strike), Math.Rounding.Ceil);
    }

    /// @notice The collateral band's edges around `price`: P- = S (1 - stress), P+ = S (1 + stress), rounded down.
    function band(uint256 price, uint256 stressBps) internal pure returns (uint256 low, uint256 high) {
        low = price * (BPS - stressBps) / BPS;
        high = price * (BPS + stressBps) / BPS;
    }

    /// @notice V(P-) and V(P+) of the collateral rule: quote - reserved + underlying * P (rounded down) - liability.
    function edgeValues(
        Market memory m,
        uint256 price,
        uint256 stressBps,
        uint256 quoteBalance,
        uint256 underlyingBalance,
        uint256 reserved,
        uint256 liabilityLow,
        uint256 liabilityHigh
    ) internal pure returns (int256 valueAtLow, int256 valueAtHigh) {
        (uint256 low, uint256 high) = band(price, stressBps);
        int256 fixedPart = SafeCast.toInt256(quoteBalance) - SafeCast.toInt256(reserved);
        valueAtLow = fixedPart + SafeCast.toInt256(quoteValue(m, underlyingBalance, low, Math.Rounding.Floor))
            - SafeCast.toInt256(liabilityLow);
        valueAtHigh = fixedPart + SafeCast.toInt256(quoteValue(m, underlyingBalance, high, Math.Rounding.Floor))
            - SafeCast.toInt256(liabilityHigh);
    }

    // ---------------------------------------------------------------------------------------------------- pool

    /// @notice |a - b| / b in basis points, rounded up.
    function deviationBps(uint256 a, uint256 b) internal pure returns (uint256) {
        return Math.mulDiv(a > b ? a - b : b - a, BPS, b, Math.Rounding.Ceil);
    }

    /// @notice WAD price (quote per whole underlying) from a pool sqrt price, rounded down.
    function priceFromSqrtX96(Market memory m, uint160 sqrtPriceX96) internal pure returns (uint256) {
        // raw = token1 / token0 in base units = sqrtP^2 / 2^192; x = raw * 2^128 (cannot overflow: sqrtP < 2^160).
        uint256 x = Math.mulDiv(sqrtPriceX96, sqrtPriceX96, Q64);
        return m.underlyingIsToken0 ? Math.mulDiv(x, m.priceScale, Q128) : Math.mulDiv(m.priceScale, Q128, x);
    }

    /// @notice The pool sqrt price at which the pool's price equals WAD `price`, rounded down.
    function sqrtX96FromPrice(Market memory m, uint256 price) internal pure returns (uint160) {
        uint256 ratioX192 = m.underlyingIsToken0
            ? Math.mulDiv(price, Q192, m.priceScale)
            : Math.mulDiv(m.priceScale, Q192, price);
        return SafeCast.toUint160(Math.sqrt(ratioX192));
    }

    /// @notice The pool's arithmetic-mean tick over the last `window` seconds, as a WAD price.
    /// @dev One `observe([window, 0])` call: the 0 point reads the latest observation and the pool's liquidity, which
    /// the swap that follows reads anyway, so only the `window` point's search is extra. The call is made and decoded
    /// in assembly (only the two tick cumulatives are read; a pool's revert, e.g. "OLD" when the window reaches past
    /// the oldest observation, is bubbled up). The mean tick rounds toward negative infinity, as Uniswap's
    /// OracleLibrary does, and becomes exp(+-tick ln 1.0001 + ln(priceScale / 1e18)).
    function twapPrice(Market memory m, IUniswapV3Pool pool, uint32 window) internal view returns (uint256) {
        int256 delta;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, shl(224, 0x883bdbfd)) // observe(uint32[])
            mstore(add(ptr, 4), 0x20)
            mstore(add(ptr, 36), 2)
            mstore(add(ptr, 68), window)
            mstore(add(ptr, 100), 0)
            if iszero(staticcall(gas(), pool, ptr, 132, 0, 0)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            // (int56[] tickCumulatives, uint160[] secondsPerLiquidityCumulativeX128s): the first head word is the
            // offset of tickCumulatives, whose length word must be 2. returndatacopy reverts if out of bounds.
            returndatacopy(ptr, 0, 0x20)
            let offset := mload(ptr)
            if gt(offset, 0xffffffff) { revert(0, 0) }
            returndatacopy(ptr, offset, 0x60)
            if iszero(eq(mload(ptr), 2)) { revert(0, 0) }
            delta := sub(signextend(6, mload(add(ptr, 0x40))), signextend(6, mload(add(ptr, 0x20))))
        }
        // Both cumulatives are int56: delta fits in int56 for any window a pool can report.
        int256 span = int256(uint256(window));
        int256 meanTick = delta / span;
        if (delta < 0 && delta % span != 0) meanTick--;
        int256 logRaw = meanTick * LN_1_0001;
        // exp(x) > 0 for every x it accepts: the cast cannot wrap.
        return uint256(BlackScholes.exp((m.underlyingIsToken0 ? logRaw : -logRaw) + m.lnPriceScale));
    }

    /// @notice The pool's current sqrt price (`slot0().sqrtPriceX96`), read without decoding the other six fields.
    function spotSqrtPriceX96(IUniswapV3Pool pool) internal view returns (uint160 sqrtPriceX96) {
        assembly ("memory-safe") {
            mstore(0, shl(224, 0x3850c7bd)) // slot0()
            let success := staticcall(gas(), pool, 0, 4, 0, 0x20)
            // Seven words expected (Yul evaluates arguments right to left: the size is read after the call here).
            if iszero(and(success, gt(returndatasize(), 0xdf))) {
                returndatacopy(0, 0, returndatasize())
                revert(0, returndatasize())
            }
            sqrtPriceX96 := and(mload(0), 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }

    function _timeTo(uint256 expiry) private view returns (uint256) {
        return expiry > block.timestamp ? expiry - block.timestamp : 0;
    }
}
