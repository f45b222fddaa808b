// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IOptionsVault} from "../interfaces/IOptionsVault.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {BlackScholes} from "./BlackScholes.sol";
import {VaultMath} from "./VaultMath.sol";

/// @title OptionsBook
/// @notice The vault's ledger of option series and positions: creation, writing, implied-vol updates, settlement at
/// the oracle round straddling expiry, claims, and the scans the vault's valuation and collateral rule run over the
/// open series.
/// @dev Linked library. Its `external` functions (the ledger changes, the admin's configuration setters, the
/// struct-building views, the net asset value and the collateral values, none of them on the keeper's hot path) run
/// by DELEGATECALL in the vault's storage and keep `OptionsVault` under EIP-170; `scanInline` is `internal` and
/// compiled into `rebalance`, so the keeper's call pays no DELEGATECALL. Errors and events are the vault's
/// (`IOptionsVault`); role, pause and token transfers stay in the vault.
///
/// Ledger invariants: the positions of a series sum to its `openSize` (claims burn both); `reservedPayouts` is the
/// sum over settled series of the payout reserved at settlement (rounded up) minus what was claimed (rounded down),
/// so it never underflows; at most `MAX_OPEN_SERIES` series are open and `openIds[0 .. openCount)` lists them.
library OptionsBook {
    using SafeCast for uint256;

    /// @notice Most series open (not settled) at once; bounds the gas of every scan.
    uint256 internal constant MAX_OPEN_SERIES = 16;

    /// @notice One series in two storage slots.
    struct SeriesData {
        uint128 strike;
        uint64 expiry;
        uint64 vol;
        uint128 openSize;
        uint112 payoffPerUnit;
        bool isCall;
        bool settled;
    }

    /// @notice The ledger. The first slot is the header (128 + 32 + 8 bits): one cold read gives the reserved
    /// payouts and the open count; the open ids follow, eight to a slot.
    struct Book {
        uint128 reservedPayouts;
        uint32 seriesCount;
        uint8 openCount;
        uint32[MAX_OPEN_SERIES] openIds;
        mapping(uint256 seriesId => SeriesData) series;
        mapping(uint256 seriesId => mapping(address holder => uint256 size)) positions;
    }

    /// @notice The vault's rebalance limits, collateral band, pause flag and last rebalance time in one slot (everything
    /// `rebalance` reads before the swap except the target and the book): 16 + 16 + 32 + 32 + 96 + 16 + 40 + 8 bits.
    struct RiskState {
        uint16 maxDeviationBps;
        uint16 maxSlippageBps;
        uint32 twapWindow;
        uint32 cooldown;
        uint96 maxNotional;
        uint16 stressBps;
        uint40 lastRebalanceAt;
        bool paused;
    }

    /// @notice The writing limits other than the collateral band (which `RiskState` holds).
    struct VolLimits {
        uint64 minVol;
        uint64 maxVol;
        uint32 maxTimeToExpiry;
    }

    // -------------------------------------------------------------------------------------------- ledger changes

    /// @notice Opens a series; see `IOptionsVault.createSeries`.
    function create(Book storage book, VolLimits storage limits, bool isCall, uint256 strike, uint256 expiry, uint256 vol)
        external
        returns (uint256 seriesId)
    {
        if (
            strike < BlackScholes.MIN_PRICE || strike > BlackScholes.MAX_PRICE || expiry <= block.timestamp
                || expiry > block.timestamp + limits.maxTimeToExpiry
        ) revert IOptionsVault.VaultInvalidSeries(strike, expiry);
        _checkVol(vol, limits);
        uint256 open = book.openCount;
        if (open >= MAX_OPEN_SERIES) revert IOptionsVault.VaultTooManySeries(MAX_OPEN_SERIES);
        // Checked increment: reverts after 2^32 - 1 series, far beyond any vault's life.
        uint32 id = ++book.seriesCount;
        seriesId = id;
        // strike <= MAX_PRICE < 2^128 and expiry <= now + maxTimeToExpiry (both checked above); vol <= maxVol <=
        // BlackScholes.MAX_VOL < 2^64 (_checkVol).
        // forge-lint: disable-next-item(unsafe-typecast)
        book.series[seriesId] = SeriesData({
            strike: uint128(strike),
            expiry: uint64(expiry),
            vol: uint64(vol),
            openSize: 0,
            payoffPerUnit: 0,
            isCall: isCall,
            settled: false
        });
        book.openIds[open] = id;
        // open < MAX_OPEN_SERIES = 16.
        // forge-lint: disable-next-line(unsafe-typecast)
        book.openCount = uint8(open + 1);
        emit IOptionsVault.SeriesCreated(seriesId, isCall, strike, expiry, vol);
    }

    /// @notice Records `size` options of `seriesId` written to `holder` against `premium`, which must cover their
    /// Black-Scholes value at the oracle price. Returns that price; the vault then collects the premium and checks
    /// the collateral rule at it.
    function write(
        Book storage book,
        VaultMath.Market memory m,
        IOracleAdapter oracle,
        uint256 seriesId,
        uint256 size,
        uint256 premium,
        address holder
    ) external returns (uint256 price) {
        if (size == 0) revert IOptionsVault.VaultZeroAmount();
        if (holder == address(0)) revert IOptionsVault.VaultZeroAddress();
        SeriesData storage s = _existing(book, seriesId);
        uint256 expiry = s.expiry;
        if (expiry <= block.timestamp) revert IOptionsVault.VaultSeriesExpired(seriesId, expiry);
        (price,) = oracle.latestPrice();
        if (price < BlackScholes.MIN_PRICE || price > BlackScholes.MAX_PRICE) {
            revert IOracleAdapter.OracleNonPositiveAnswer(price.toInt256());
        }
        uint256 fairValue = VaultMath.markValue(m, s.isCall, size, price, s.strike, s.vol, expiry);
        if (premium < fairValue) revert IOptionsVault.VaultPremiumTooLow(premium, fairValue);
        s.openSize = (uint256(s.openSize) + size).toUint128();
        book.positions[seriesId][holder] += size;
        emit IOptionsVault.OptionWritten(seriesId, msg.sender, holder, size, premium);
    }

    /// @notice Sets a live series' implied volatility within the limits.
    function setVol(Book storage book, VolLimits storage limits, uint256 seriesId, uint256 vol) external {
        SeriesData storage s = _existing(book, seriesId);
        if (s.expiry <= block.timestamp) revert IOptionsVault.VaultSeriesExpired(seriesId, s.expiry);
        _checkVol(vol, limits);
        uint256 oldVol = s.vol;
        // vol <= maxVol <= BlackScholes.MAX_VOL < 2^64 (_checkVol).
        // forge-lint: disable-next-line(unsafe-typecast)
        s.vol = uint64(vol);
        emit IOptionsVault.VolUpdated(seriesId, oldVol, vol);
    }

    /// @notice Settles an expired series at the answer of the oracle round straddling its expiry (verified by the
    /// adapter) and reserves its payout, rounded up.
    function settle(Book storage book, VaultMath.Market memory m, IOracleAdapter oracle, uint256 seriesId, uint80 roundId)
        external
    {
        SeriesData storage s = _existing(book, seriesId);
        if (s.settled) revert IOptionsVault.VaultSeriesAlreadySettled(seriesId);
        uint256 expiry = s.expiry;
        if (expiry > block.timestamp) revert IOptionsVault.VaultSeriesNotExpired(seriesId, expiry);
        (uint256 price,) = oracle.roundPriceAfter(expiry, roundId);
        bool isCall = s.isCall;
        uint256 payoff = BlackScholes.intrinsic(isCall, price, s.strike);
        // Liability rounded up: the sum of the holders' floored claims never exceeds it.
        uint256 totalPayout = VaultMath.payoffValue(m, isCall, s.openSize, price, s.strike);
        s.settled = true;
        s.payoffPerUnit = payoff.toUint112();
        book.reservedPayouts = (book.reservedPayouts + totalPayout).toUint128();
        _removeOpen(book, seriesId);
        emit IOptionsVault.SeriesSettled(seriesId, roundId, price, payoff, totalPayout);
    }

    /// @notice Burns the caller's position in a settled series and releases its payout (rounded down) from the
    /// reserve. The vault pays `amount` and emits `PayoutClaimed`.
    function claim(Book storage book, VaultMath.Market memory m, uint256 seriesId)
        external
        returns (uint256 size, uint256 amount)
    {
        SeriesData storage s = _existing(book, seriesId);
        if (!s.settled) revert IOptionsVault.VaultSeriesNotSettled(seriesId);
        size = book.positions[seriesId][msg.sender];
        if (size == 0) revert IOptionsVault.VaultNothingToClaim(seriesId, msg.sender);
        amount = VaultMath.quoteValue(m, size, s.payoffPerUnit, Math.Rounding.Floor);
        delete book.positions[seriesId][msg.sender];
        // size <= openSize < 2^128 (positions sum to openSize); amount <= this holder's share of the payout reserved
        // (rounded up) at settlement <= reservedPayouts < 2^128. Neither subtraction can underflow.
        // forge-lint: disable-next-line(unsafe-typecast)
        s.openSize -= uint128(size);
        // forge-lint: disable-next-line(unsafe-typecast)
        book.reservedPayouts -= uint128(amount);
    }

    // -------------------------------------------------------------------------------------------- configuration

    /// @notice Validates and stores the rebalance limits; see `IOptionsVault.setRebalanceConfig`. Here rather than in
    /// the vault only to keep the vault under EIP-170 (the admin's path, run by DELEGATECALL in the vault's storage).
    function setRebalanceConfig(RiskState storage r, IOptionsVault.RebalanceConfig memory config) external {
        if (config.maxDeviationBps == 0 || config.maxDeviationBps > 1_000) {
            revert IOptionsVault.VaultInvalidConfig("maxDeviationBps");
        }
        if (config.maxSlippageBps == 0 || config.maxSlippageBps > 1_000) {
            revert IOptionsVault.VaultInvalidConfig("maxSlippageBps");
        }
        if (config.twapWindow < 30 || config.twapWindow > 1 hours) {
            revert IOptionsVault.VaultInvalidConfig("twapWindow");
        }
        if (config.cooldown > 1 days) revert IOptionsVault.VaultInvalidConfig("cooldown");
        if (config.maxNotional == 0) revert IOptionsVault.VaultInvalidConfig("maxNotional");
        r.maxDeviationBps = config.maxDeviationBps;
        r.maxSlippageBps = config.maxSlippageBps;
        r.twapWindow = config.twapWindow;
        r.cooldown = config.cooldown;
        r.maxNotional = config.maxNotional;
        emit IOptionsVault.RebalanceConfigSet(config);
    }

    /// @notice Validates and stores the hedging target; see `IOptionsVault.setDeltaConfig`.
    function setDeltaConfig(IOptionsVault.DeltaConfig storage target, IOptionsVault.DeltaConfig memory config)
        external
    {
        if (config.tolerance == 0) revert IOptionsVault.VaultInvalidConfig("tolerance");
        if (config.urgentThreshold <= config.tolerance) revert IOptionsVault.VaultInvalidConfig("urgentThreshold");
        target.targetDelta = config.targetDelta;
        target.tolerance = config.tolerance;
        target.urgentThreshold = config.urgentThreshold;
        emit IOptionsVault.DeltaConfigSet(config);
    }

    /// @notice Validates and stores the writing limits; see `IOptionsVault.setWriteConfig`.
    function setWriteConfig(RiskState storage r, VolLimits storage v, IOptionsVault.WriteConfig memory config)
        external
    {
        if (config.stressBps == 0 || config.stressBps >= VaultMath.BPS) {
            revert IOptionsVault.VaultInvalidConfig("stressBps");
        }
        if (config.minVol < BlackScholes.MIN_VOL || config.minVol > config.maxVol) {
            revert IOptionsVault.VaultInvalidConfig("minVol");
        }
        if (config.maxVol > BlackScholes.MAX_VOL) revert IOptionsVault.VaultInvalidConfig("maxVol");
        if (config.maxTimeToExpiry == 0 || config.maxTimeToExpiry > BlackScholes.MAX_TIME) {
            revert IOptionsVault.VaultInvalidConfig("maxTimeToExpiry");
        }
        r.stressBps = config.stressBps;
        v.minVol = config.minVol;
        v.maxVol = config.maxVol;
        v.maxTimeToExpiry = config.maxTimeToExpiry;
        emit IOptionsVault.WriteConfigSet(config);
    }

    // -------------------------------------------------------------------------------------------- views

    /// @notice Every open series, in `openIds` order.
    function openSeries(Book storage book) external view returns (IOptionsVault.Series[] memory result) {
        uint256 n = book.openCount;
        result = new IOptionsVault.Series[](n);
        for (uint256 i = 0; i < n; ++i) {
            result[i] = _toSeries(book, book.openIds[i]);
        }
    }

    /// @notice One series; reverts with `VaultUnknownSeries` when it does not exist.
    function get(Book storage book, uint256 seriesId) external view returns (IOptionsVault.Series memory) {
        _existing(book, seriesId);
        return _toSeries(book, seriesId);
    }

    // -------------------------------------------------------------------------------------------- hot-path scans

    /// @notice One pass over the open series: the options' delta at `price` (when `withDelta`) and the payoff
    /// liabilities at the collateral band's edges, quote rounded up. Internal: compiled into `rebalance` (the keeper's
    /// hot path pays no DELEGATECALL and no library account access) and into `collateralValues`.
    function scanInline(Book storage book, VaultMath.Market memory m, uint256 price, uint256 stressBps, bool withDelta)
        internal
        view
        returns (int256 optionDelta, uint256 liabilityLow, uint256 liabilityHigh)
    {
        (uint256 low, uint256 high) = VaultMath.band(price, stressBps);
        uint256 n = book.openCount;
        for (uint256 i = 0; i < n; ++i) {
            SeriesData memory s = book.series[book.openIds[i]];
            if (s.openSize == 0) continue;
            if (withDelta) {
                optionDelta += VaultMath.optionDelta(s.isCall, s.openSize, price, s.strike, s.vol, s.expiry);
            }
            liabilityLow += VaultMath.payoffValue(m, s.isCall, s.openSize, low, s.strike);
            liabilityHigh += VaultMath.payoffValue(m, s.isCall, s.openSize, high, s.strike);
        }
    }

    /// @notice V(P-) and V(P+) of the collateral rule at `price` for these balances and the book (see `IOptionsVault`).
    function collateralValues(
        Book storage book,
        VaultMath.Market memory m,
        uint256 price,
        uint256 stressBps,
        uint256 quoteBalance,
        uint256 underlyingBalance
    ) external view returns (int256 valueAtLow, int256 valueAtHigh) {
        (, uint256 liabilityLow, uint256 liabilityHigh) = scanInline(book, m, price, stressBps, false);
        return VaultMath.edgeValues(
            m, price, stressBps, quoteBalance, underlyingBalance, book.reservedPayouts, liabilityLow, liabilityHigh
        );
    }

    /// @notice The vault's net asset value (`IOptionsVault` / `OptionsVault.totalAssets`): quote plus underlying at
    /// `price` (rounded down) minus reserved payouts and the Black-Scholes marks of the open series (rounded up),
    /// floored at 0.
    function netAssets(
        Book storage book,
        VaultMath.Market memory m,
        uint256 price,
        uint256 quoteBalance,
        uint256 underlyingBalance
    ) external view returns (uint256) {
        uint256 assets = quoteBalance + VaultMath.quoteValue(m, underlyingBalance, price, Math.Rounding.Floor);
        uint256 liabilities = book.reservedPayouts + marks(book, m, price);
        return assets > liabilities ? assets - liabilities : 0;
    }

    /// @notice Sum of the Black-Scholes values of the open series at `price`, quote rounded up.
    function marks(Book storage book, VaultMath.Market memory m, uint256 price) internal view returns (uint256 total) {
        uint256 n = book.openCount;
        for (uint256 i = 0; i < n; ++i) {
            SeriesData memory s = book.series[book.openIds[i]];
            if (s.openSize == 0) continue;
            total += VaultMath.markValue(m, s.isCall, s.openSize, price, s.strike, s.vol, s.expiry);
        }
    }

    // -------------------------------------------------------------------------------------------- private

    function _existing(Book storage book, uint256 seriesId) private view returns (SeriesData storage s) {
        s = book.series[seriesId];
        if (s.expiry == 0) revert IOptionsVault.VaultUnknownSeries(seriesId);
    }

    function _checkVol(uint256 vol, VolLimits storage limits) private view {
        (uint256 minVol, uint256 maxVol) = (limits.minVol, limits.maxVol);
        if (vol < minVol || vol > maxVol) {
            revert IOptionsVault.VaultInvalidVol(vol, minVol, maxVol);
        }
    }

    function _toSeries(Book storage book, uint256 seriesId) private view returns (IOptionsVault.Series memory) {
        SeriesData memory s = book.series[seriesId];
        return IOptionsVault.Series({
            id: seriesId,
            isCall: s.isCall,
            strike: s.strike,
            expiry: s.expiry,
            vol: s.vol,
            openSize: s.openSize,
            settled: s.settled,
            payoffPerUnit: s.payoffPerUnit
        });
    }

    function _removeOpen(Book storage book, uint256 seriesId) private {
        uint256 n = book.openCount;
        for (uint256 i = 0; i < n; ++i) {
            if (book.openIds[i] == seriesId) {
                book.openIds[i] = book.openIds[n - 1];
                delete book.openIds[n - 1];
                // n - 1 < MAX_OPEN_SERIES.
                // forge-lint: disable-next-line(unsafe-typecast)
                book.openCount = uint8(n - 1);
                return;
            }
        }
    }
}
