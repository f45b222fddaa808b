// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title BlackScholes
/// @notice Fixed-point (18-decimal, "WAD") Black-Scholes for European options with a zero interest rate and no
/// dividends: delta, gamma and price of calls and puts, plus the `ln`, `exp` and normal CDF they rest on.
/// @dev Precision against a double-precision reference (see contracts/README.md and BlackScholes.t.sol): the normal
/// CDF is Hart's 1968 double-precision rational approximation (as given in G. West, "Better approximations to
/// cumulative normal functions", 2005), evaluated in WAD; `ln` is an `atanh` series after binary range reduction;
/// `exp` a Taylor series after reduction by ln 2, both carried with 36 decimals. Absolute error is below 2e-15 for
/// N(x) and below 1e-15 for delta
/// over the supported domain. Rounding is to nearest-or-toward-zero in each step; callers that book liabilities
/// round the final value up themselves.
///
/// Supported domain (outside it the functions revert with `BlackScholesInputOutOfRange`):
/// spot and strike in [MIN_PRICE, MAX_PRICE], volatility in [MIN_VOL, MAX_VOL], time to expiry up to
/// MAX_TIME seconds. A time to expiry of zero returns the expiry values (intrinsic price, step delta, zero gamma).
library BlackScholes {
    /// @notice An input is outside the supported domain.
    error BlackScholesInputOutOfRange();

    int256 internal constant WAD = 1e18;
    uint256 internal constant SECONDS_PER_YEAR = 365 days;
    uint256 internal constant MIN_PRICE = 1e6; // 1e-12 quote per underlying
    uint256 internal constant MAX_PRICE = 1e30; // 1e12 quote per underlying
    uint256 internal constant MIN_VOL = 1e14; // 0.01 %
    uint256 internal constant MAX_VOL = 10e18; // 1000 %
    uint256 internal constant MAX_TIME = 10 * 365 days;

    int256 private constant LN2_36 = 693_147_180_559_945_309_417_232_121_458_176_568; // ln 2, 36 decimals
    int256 private constant SQRT1_2 = 707_106_781_186_547_524; // 1/sqrt 2
    int256 private constant INV_SQRT_2PI = 398_942_280_401_432_678; // 1/sqrt(2 pi)
    int256 private constant EXP_MIN = -41_446_531_673_892_822_313; // ln(1e-18): exp below it is 0 in WAD
    int256 private constant EXP_MAX = 130e18; // exp(130) * 1e18 < 2^255
    int256 private constant CDF_SATURATION = 9e18; // 1 - N(9) < 1e-18

    /// @notice Option value and sensitivities for one unit of underlying.
    /// @param delta dV/dS in WAD: [0, 1] for calls, [-1, 0] for puts.
    /// @param gamma d2V/dS2 in WAD per unit of spot (so gamma * spot / WAD is dimensionless).
    /// @param price Option value in quote per unit of underlying, WAD.
    struct Greeks {
        int256 delta;
        uint256 gamma;
        uint256 price;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Black-Scholes
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice d1 and sigma * sqrt(T) of Black-Scholes with r = 0. Requires `timeToExpiry > 0`.
    /// @param spot Underlying price, WAD.
    /// @param strike Strike, WAD.
    /// @param vol Annualised volatility, WAD.
    /// @param timeToExpiry Seconds to expiry.
    function d1(uint256 spot, uint256 strike, uint256 vol, uint256 timeToExpiry)
        internal
        pure
        returns (int256 d1_, int256 volSqrtT)
    {
        _checkDomain(spot, strike, vol, timeToExpiry);
        // sqrt(T) in WAD: sqrt(T_years * 1e18 * 1e18); rounded down.
        uint256 sqrtT = Math.sqrt(timeToExpiry * 1e36 / SECONDS_PER_YEAR);
        // vol <= MAX_VOL and sqrtT <= sqrt(MAX_TIME years) in WAD: the product is far below 2^255.
        // forge-lint: disable-next-line(unsafe-typecast)
        volSqrtT = int256(vol * sqrtT / 1e18);
        if (volSqrtT == 0) revert BlackScholesInputOutOfRange();
        // spot <= MAX_PRICE = 1e30 and strike >= MIN_PRICE: spot * 1e18 / strike <= 1e42 < 2^255.
        // forge-lint: disable-next-line(unsafe-typecast)
        int256 logMoneyness = ln(int256(spot * 1e18 / strike));
        // (ln(S/K) + sigma^2 T / 2) / (sigma sqrt T); sigma^2 T = volSqrtT^2.
        d1_ = (logMoneyness + (volSqrtT * volSqrtT / WAD) / 2) * WAD / volSqrtT;
    }

    /// @notice Delta of one call (`isCall`) or put on one unit of underlying, WAD.
    function delta(bool isCall, uint256 spot, uint256 strike, uint256 vol, uint256 timeToExpiry)
        internal
        pure
        returns (int256)
    {
        if (timeToExpiry == 0) {
            _checkDomain(spot, strike, vol, 0);
            if (isCall) return spot > strike ? WAD : int256(0);
            return spot < strike ? -WAD : int256(0);
        }
        (int256 d1_,) = d1(spot, strike, vol, timeToExpiry);
        int256 nd1 = normCdf(d1_);
        return isCall ? nd1 : nd1 - WAD;
    }

    /// @notice Delta, gamma and price of one call or put on one unit of underlying.
    function greeks(bool isCall, uint256 spot, uint256 strike, uint256 vol, uint256 timeToExpiry)
        internal
        pure
        returns (Greeks memory g)
    {
        if (timeToExpiry == 0) {
            g.delta = delta(isCall, spot, strike, vol, 0);
            g.price = intrinsic(isCall, spot, strike);
            return g;
        }
        (int256 d1_, int256 volSqrtT) = d1(spot, strike, vol, timeToExpiry);
        int256 nd1 = normCdf(d1_);
        int256 nd2 = normCdf(d1_ - volSqrtT);
        g.delta = isCall ? nd1 : nd1 - WAD;
        // spot <= MAX_PRICE < 2^255; phi(d1) >= 0 and spot * volSqrtT > 0, so the quotient is non-negative.
        // forge-lint: disable-next-line(unsafe-typecast)
        g.gamma = uint256(normPdf(d1_) * WAD / (int256(spot) * volSqrtT / WAD));
        // spot and strike are at most MAX_PRICE = 1e30 (_checkDomain in d1).
        // forge-lint: disable-next-line(unsafe-typecast)
        g.price = _price(isCall, int256(spot), int256(strike), nd1, nd2);
    }

    /// @notice Price of one call or put on one unit of underlying, quote per unit, WAD.
    function price(bool isCall, uint256 spot, uint256 strike, uint256 vol, uint256 timeToExpiry)
        internal
        pure
        returns (uint256)
    {
        if (timeToExpiry == 0) {
            _checkDomain(spot, strike, vol, 0);
            return intrinsic(isCall, spot, strike);
        }
        (int256 d1_, int256 volSqrtT) = d1(spot, strike, vol, timeToExpiry);
        // spot and strike are at most MAX_PRICE = 1e30 (_checkDomain in d1).
        // forge-lint: disable-next-line(unsafe-typecast)
        return _price(isCall, int256(spot), int256(strike), normCdf(d1_), normCdf(d1_ - volSqrtT));
    }

    /// @notice Payoff at expiry of one call or put on one unit of underlying, WAD.
    function intrinsic(bool isCall, uint256 spot, uint256 strike) internal pure returns (uint256) {
        if (isCall) return spot > strike ? spot - strike : 0;
        return strike > spot ? strike - spot : 0;
    }

    function _price(bool isCall, int256 spot, int256 strike, int256 nd1, int256 nd2) private pure returns (uint256) {
        // call = S N(d1) - K N(d2); put = K (1 - N(d2)) - S (1 - N(d1)) (put-call parity with r = 0).
        int256 value = isCall
            ? spot * nd1 / WAD - strike * nd2 / WAD
            : strike * (WAD - nd2) / WAD - spot * (WAD - nd1) / WAD;
        // Rounding in the two products can push a worthless option a few wei below zero.
        // value > 0 on the branch that casts.
        // forge-lint: disable-next-line(unsafe-typecast)
        return value > 0 ? uint256(value) : 0;
    }

    function _checkDomain(uint256 spot, uint256 strike, uint256 vol, uint256 timeToExpiry) private pure {
        if (
            spot < MIN_PRICE || spot > MAX_PRICE || strike < MIN_PRICE || strike > MAX_PRICE || vol < MIN_VOL
                || vol > MAX_VOL || timeToExpiry > MAX_TIME
        ) revert BlackScholesInputOutOfRange();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Special functions
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Standard normal cumulative distribution N(x), x and result in WAD.
    function normCdf(int256 x) internal pure returns (int256) {
        int256 a = x < 0 ? -x : x;
        if (a >= CDF_SATURATION) return x > 0 ? WAD : int256(0);
        int256 tail; // N(-|x|)
        // Every intermediate below is bounded by a < 9e18: products stay under 1e45, far from 2^255.
        unchecked {
            int256 e = exp(-(a * a / WAD) / 2);
            if (a < 7_071_067_811_865_470_000) {
                // Hart (1968) rational approximation P(a) / Q(a) times exp(-a^2/2), Horner form.
                int256 num = 35_262_496_599_891_100;
                num = num * a / WAD + 700_383_064_443_688_000;
                num = num * a / WAD + 6_373_962_203_531_650_000;
                num = num * a / WAD + 33_912_866_078_383_000_000;
                num = num * a / WAD + 112_079_291_497_871_000_000;
                num = num * a / WAD + 221_213_596_169_931_000_000;
                num = num * a / WAD + 220_206_867_912_376_000_000;
                int256 den = 88_388_347_648_318_400;
                den = den * a / WAD + 1_755_667_163_182_640_000;
                den = den * a / WAD + 16_064_177_579_207_000_000;
                den = den * a / WAD + 86_780_732_202_946_100_000;
                den = den * a / WAD + 296_564_248_779_674_000_000;
                den = den * a / WAD + 637_333_633_378_831_000_000;
                den = den * a / WAD + 793_826_512_519_948_000_000;
                den = den * a / WAD + 440_413_735_824_752_000_000;
                tail = e * num / den;
            } else {
                // Continued fraction for the far tail (7.07 <= a < 9).
                int256 b = a + 650_000_000_000_000_000;
                b = a + 4e36 / b;
                b = a + 3e36 / b;
                b = a + 2e36 / b;
                b = a + 1e36 / b;
                tail = e * 1e36 / (b * 2_506_628_274_631_000_000);
            }
        }
        return x > 0 ? WAD - tail : tail;
    }

    /// @notice Standard normal density phi(x), WAD.
    function normPdf(int256 x) internal pure returns (int256) {
        int256 a = x < 0 ? -x : x;
        if (a >= CDF_SATURATION) return 0;
        // a < 9e18, so a * a < 8.1e37 and exp(.) <= 1e18.
        unchecked {
            return exp(-(a * a / WAD) / 2) * INV_SQRT_2PI / WAD;
        }
    }

    /// @notice Natural logarithm, x > 0, WAD in and out; computed with 36 decimals inside.
    function ln(int256 x) internal pure returns (int256) {
        if (x <= 0) revert BlackScholesInputOutOfRange();
        // Bounds: 0 < x < 2^255, so -59 <= k <= 196; m < 2^60; |z| < 0.18e36, z * z < 4e70; the series terms
        // shrink, and k * LN2_36 < 1.4e38. Nothing below can overflow.
        unchecked {
            // Write x = m * 2^k with m in [2^59, 2^60) as an integer, i.e. [0.576, 1.153] in WAD.
            // x > 0 was checked; log2 < 256.
            // forge-lint: disable-next-line(unsafe-typecast)
            int256 k = int256(Math.log2(uint256(x))) - 59;
            // Each shift amount is cast on the branch where it is non-negative, and |k| <= 196.
            // forge-lint: disable-next-line(unsafe-typecast)
            int256 m = k >= 0 ? x >> uint256(k) : x << uint256(-k);
            if (m < SQRT1_2) {
                m <<= 1;
                k -= 1;
            }
            // ln m = 2 atanh(z), z = (m - 1) / (m + 1), |z| <= 0.172: eleven odd terms reach 1e-19.
            int256 z = (m - WAD) * 1e36 / (m + WAD);
            int256 z2 = z * z / 1e36;
            int256 t = z;
            int256 sum = z;
            t = t * z2 / 1e36;
            sum += t / 3;
            t = t * z2 / 1e36;
            sum += t / 5;
            t = t * z2 / 1e36;
            sum += t / 7;
            t = t * z2 / 1e36;
            sum += t / 9;
            t = t * z2 / 1e36;
            sum += t / 11;
            t = t * z2 / 1e36;
            sum += t / 13;
            t = t * z2 / 1e36;
            sum += t / 15;
            t = t * z2 / 1e36;
            sum += t / 17;
            t = t * z2 / 1e36;
            sum += t / 19;
            t = t * z2 / 1e36;
            sum += t / 21;
            t = t * z2 / 1e36;
            sum += t / 23;
            return (k * LN2_36 + 2 * sum) / 1e18;
        }
    }

    /// @notice e^x, WAD in and out (36 decimals inside); 0 below ln(1e-18), reverts above 130.
    function exp(int256 x) internal pure returns (int256) {
        if (x < EXP_MIN) return 0;
        if (x > EXP_MAX) revert BlackScholesInputOutOfRange();
        // Bounds: |x| <= 130e18, so |x * 1e18| < 1.3e38 and -60 <= k <= 188; |r| <= 0.35e36, every Taylor term is
        // below 1.5e36 and each product below 6e71; sum < 1.5e36 < 2^121, so sum << k fits for k <= 128.
        unchecked {
            int256 x36 = x * 1e18;
            // x = k ln2 + r with |r| <= ln2 / 2; e^r by Taylor to 1e-36 * 14 terms, then shift by k.
            int256 k = (x36 >= 0 ? x36 + LN2_36 / 2 : x36 - LN2_36 / 2) / LN2_36;
            int256 r = x36 - k * LN2_36;
            int256 t = r;
            int256 sum = 1e36 + r;
            t = t * r / 2e36;
            sum += t;
            t = t * r / 3e36;
            sum += t;
            t = t * r / 4e36;
            sum += t;
            t = t * r / 5e36;
            sum += t;
            t = t * r / 6e36;
            sum += t;
            t = t * r / 7e36;
            sum += t;
            t = t * r / 8e36;
            sum += t;
            t = t * r / 9e36;
            sum += t;
            t = t * r / 10e36;
            sum += t;
            t = t * r / 11e36;
            sum += t;
            t = t * r / 12e36;
            sum += t;
            t = t * r / 13e36;
            sum += t;
            t = t * r / 14e36;
            sum += t;
            // -k > 0 on this branch.
            // forge-lint: disable-next-line(unsafe-typecast)
            if (k < 0) return (sum >> uint256(-k)) / 1e18;
            // 0 <= k <= 128 on this branch.
            // forge-lint: disable-next-line(unsafe-typecast)
            if (k <= 128) return (sum << uint256(k)) / 1e18;
            // 128 < k <= 188 here.
            // forge-lint: disable-next-line(unsafe-typecast)
            return (sum / 1e18) << uint256(k);
        }
    }
}
