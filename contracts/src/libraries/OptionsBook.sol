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
/// @dev Linked library. Its `external` functions (the ledger changes and the struct-building views, none of them on
/// the keeper's hot path) run by DELEGATECALL in the vault's storage and keep `OptionsVault` under EIP-170; its
/// `internal` functions (`scan`, `marks`) are inlined into the vault so `rebalance`, deposits and withdrawals pay no
/// extra call. Errors and events are the vault's (`IOptionsVault`); role, pause and token transfers stay in the vault.
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

    /// @notice Validation inputs of `create` and `setVol` (the vault's writing limits).
    struct Limits {
        uint256 minVol;
        uint256 maxVol;
        uint256 maxTimeToExpiry;
    }

    // -------------------------------------------------------------------------------------------- ledger changes

    /// @notice Opens a series; see `IOptionsVault.createSeries`.
    function create(Book storage book, Limits memory limits, bool isCall, uint256 strike, uint256 expiry, uint256 vol)
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
    function setVol(Book storage book, Limits memory limits, uint256 seriesId, uint256 vol) external {
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
    /// liabilities at the collateral band's edges, quote rounded up.
    function scan(Book storage book, VaultMath.Market memory m, uint256 price, uint256 stressBps, bool withDelta)
        external
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

    /// @notice Sum of the Black-Scholes values of the open series at `price`, quote rounded up.
    function marks(Book storage book, VaultMath.Market memory m, uint256 price) external view returns (uint256 total) {
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

    function _checkVol(uint256 vol, Limits memory limits) private pure {
        if (vol < limits.minVol || vol > limits.maxVol) {
            revert IOptionsVault.VaultInvalidVol(vol, limits.minVol, limits.maxVol);
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
