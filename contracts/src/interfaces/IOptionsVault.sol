// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOracleAdapter} from "./IOracleAdapter.sol";

/// @title Options vault with bounded, keeper-driven delta hedging
/// @notice LPs deposit the quote asset (ERC-4626). A writer role sells European, cash-settled calls and puts on the
/// underlying and pays their premium into the vault; the vault settles them against the oracle at expiry. A keeper
/// role hedges the book's delta by swapping quote and underlying on one Uniswap V3 pool, and the vault itself checks
/// every swap: it can only move delta toward the target, within a per-call notional cap, a per-keeper delta budget,
/// a cooldown, an oracle-derived minimum output, a price limit and a pool/TWAP deviation bound.
///
/// Units: option sizes and deltas are in underlying base units (e.g. 1e18 = one WETH); strikes and prices are
/// 18-decimal amounts of quote per one whole underlying ("WAD price"); volatilities are 18-decimal fractions
/// (8e17 = 80 %); amounts of quote are in quote base units (e.g. 1e6 = one USDC).
///
/// Collateral rule: with P- = S (1 - stress) and P+ = S (1 + stress) around the oracle price S, the vault's value
///     V(P) = quote + underlying * P - reservedPayouts - sum over open series of size * payoff(P)
/// must be non-negative at both P- and P+ after every write, withdrawal and rebalance. Each short payoff is convex
/// in P, so V is concave and is then non-negative on the whole band [P-, P+]: the vault can pay every holder at
/// expiry for any price within `stress` of the last check. Withdrawals are also limited to free quote
/// (`quote - reservedPayouts`).
///
/// Derived views (rebalance bounds, portfolio delta, collateral values, fair premium) are in `IOptionsVaultLens`.
interface IOptionsVault {
    // ------------------------------------------------------------------------------------------------------------
    // Types
    // ------------------------------------------------------------------------------------------------------------

    /// @notice One option series as stored and as returned by the views.
    /// @param id Series id (starts at 1).
    /// @param isCall Call (true) or put (false).
    /// @param strike WAD price.
    /// @param expiry Unix time of expiry.
    /// @param vol Implied volatility used for marks and delta, WAD.
    /// @param openSize Total size held by buyers, underlying base units.
    /// @param settled Whether the series has been settled.
    /// @param payoffPerUnit Settlement payoff per whole underlying, WAD price (zero until settled).
    struct Series {
        uint256 id;
        bool isCall;
        uint256 strike;
        uint256 expiry;
        uint256 vol;
        uint256 openSize;
        bool settled;
        uint256 payoffPerUnit;
    }

    /// @notice Arguments of `rebalance`.
    /// @param buyUnderlying True: spend quote for underlying; false: sell underlying for quote.
    /// @param amountIn Exact input, in base units of the token spent.
    /// @param minAmountOut The keeper's own floor for the router; the vault separately requires the output to be
    /// worth at least (1 - maxSlippage) of the input actually spent, at the oracle price.
    /// @param sqrtPriceLimitX96 The keeper's price limit, or 0; the vault uses the tighter of this and its own.
    /// @param deadline Last timestamp at which the swap may execute.
    struct RebalanceParams {
        bool buyUnderlying;
        uint256 amountIn;
        uint256 minAmountOut;
        uint160 sqrtPriceLimitX96;
        uint256 deadline;
    }

    /// @notice Risk limits of `rebalance`, set by the admin.
    /// @param maxDeviationBps Maximum distance of pool spot and TWAP from the oracle price, basis points.
    /// @param maxSlippageBps Maximum execution price distance from the oracle price, basis points.
    /// @param twapWindow Seconds of the pool TWAP compared with the oracle.
    /// @param cooldown Seconds between two non-urgent rebalances.
    /// @param maxNotional Maximum value of one swap's input, quote base units.
    struct RebalanceConfig {
        uint16 maxDeviationBps;
        uint16 maxSlippageBps;
        uint32 twapWindow;
        uint32 cooldown;
        uint96 maxNotional;
    }

    /// @notice Hedging target, set by the admin.
    /// @param targetDelta Portfolio delta the keeper steers toward, underlying base units.
    /// @param tolerance |delta - target| at or below which no rebalance is allowed, and how far a rebalance may
    /// overshoot past the target.
    /// @param urgentThreshold |delta - target| at or above which the cooldown is waived.
    struct DeltaConfig {
        int96 targetDelta;
        uint80 tolerance;
        uint80 urgentThreshold;
    }

    /// @notice Risk limits of writing, set by the admin.
    /// @param stressBps Half-width of the collateral rule's price band, basis points.
    /// @param minVol Lowest implied volatility the vol setter may set, WAD.
    /// @param maxVol Highest implied volatility the vol setter may set, WAD.
    /// @param maxTimeToExpiry Longest expiry a new series may have, seconds from creation.
    struct WriteConfig {
        uint16 stressBps;
        uint64 minVol;
        uint64 maxVol;
        uint32 maxTimeToExpiry;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------------------------

    /// @notice A series was created.
    event SeriesCreated(uint256 indexed seriesId, bool isCall, uint256 strike, uint256 expiry, uint256 vol);
    /// @notice Options were written to `holder`; `premium` quote was paid in by `writer`.
    event OptionWritten(
        uint256 indexed seriesId, address indexed writer, address indexed holder, uint256 size, uint256 premium
    );
    /// @notice A series' implied volatility changed.
    event VolUpdated(uint256 indexed seriesId, uint256 oldVol, uint256 newVol);
    /// @notice A series was settled at `price`, the answer of oracle round `roundId` (the round straddling expiry);
    /// `totalPayout` quote is reserved for its holders.
    event SeriesSettled(
        uint256 indexed seriesId, uint80 roundId, uint256 price, uint256 payoffPerUnit, uint256 totalPayout
    );
    /// @notice A holder was paid for a settled series.
    event PayoutClaimed(uint256 indexed seriesId, address indexed holder, uint256 size, uint256 amount);
    /// @notice The vault hedged. Amounts are what was actually spent and received.
    event Rebalanced(
        address indexed keeper,
        bool buyUnderlying,
        uint256 amountIn,
        uint256 amountOut,
        uint256 oraclePrice,
        int256 deltaBefore,
        int256 deltaAfter,
        uint256 budgetRemaining
    );
    /// @notice The admin set a keeper's delta budget.
    event DeltaBudgetSet(address indexed keeper, uint256 oldBudget, uint256 newBudget);
    /// @notice The admin changed the rebalance limits.
    event RebalanceConfigSet(RebalanceConfig config);
    /// @notice The admin changed the hedging target.
    event DeltaConfigSet(DeltaConfig config);
    /// @notice The admin changed the writing limits.
    event WriteConfigSet(WriteConfig config);
    /// @notice The guardian paused the vault (same signature as OpenZeppelin's `Pausable`, for monitoring tools).
    event Paused(address account);
    /// @notice The admin lifted the pause (same signature as OpenZeppelin's `Pausable`).
    event Unpaused(address account);

    // ------------------------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------------------------

    /// @notice The vault is paused (same selector as OpenZeppelin's `Pausable.EnforcedPause`).
    error EnforcedPause();
    /// @notice `unpause` while not paused (same selector as OpenZeppelin's `Pausable.ExpectedPause`).
    error ExpectedPause();
    /// @notice A required address argument is zero.
    error VaultZeroAddress();
    /// @notice A required amount argument is zero.
    error VaultZeroAmount();
    /// @notice A configuration struct is inconsistent; `parameter` names the offending field.
    error VaultInvalidConfig(string parameter);
    /// @notice No series has this id.
    error VaultUnknownSeries(uint256 seriesId);
    /// @notice The series' expiry has passed (writing, changing vol).
    error VaultSeriesExpired(uint256 seriesId, uint256 expiry);
    /// @notice The series has not expired yet (settling).
    error VaultSeriesNotExpired(uint256 seriesId, uint256 expiry);
    /// @notice The series is already settled.
    error VaultSeriesAlreadySettled(uint256 seriesId);
    /// @notice The series is not settled yet (claiming).
    error VaultSeriesNotSettled(uint256 seriesId);
    /// @notice Strike or expiry of a new series out of range.
    error VaultInvalidSeries(uint256 strike, uint256 expiry);
    /// @notice As many series are open as the vault supports.
    error VaultTooManySeries(uint256 maxSeries);
    /// @notice Implied volatility outside [minVol, maxVol].
    error VaultInvalidVol(uint256 vol, uint256 minVol, uint256 maxVol);
    /// @notice Premium below the Black-Scholes value of the options written.
    error VaultPremiumTooLow(uint256 premium, uint256 fairValue);
    /// @notice The action would break the collateral rule; values of V at the band edges, quote base units.
    error VaultCollateralRuleViolated(int256 valueAtLow, int256 valueAtHigh);
    /// @notice Not enough free quote to pay.
    error VaultInsufficientLiquidity(uint256 needed, uint256 available);
    /// @notice The caller holds nothing to claim in this series.
    error VaultNothingToClaim(uint256 seriesId, address holder);
    /// @notice The rebalance deadline has passed.
    error VaultDeadlineExpired(uint256 deadline, uint256 timestamp);
    /// @notice Pool spot price too far from the oracle.
    error VaultPoolPriceDeviation(uint256 poolPrice, uint256 oraclePrice);
    /// @notice Pool TWAP too far from the oracle.
    error VaultTwapDeviation(uint256 twapPrice, uint256 oraclePrice);
    /// @notice |delta - target| is within the tolerance: nothing to hedge.
    error VaultWithinTolerance(int256 delta, int256 targetDelta, uint256 tolerance);
    /// @notice The trade direction moves delta away from the target.
    error VaultWrongDirection(int256 delta, int256 targetDelta, bool buyUnderlying);
    /// @notice The trade would leave delta past the target by more than the tolerance.
    error VaultOvershoot(int256 deltaAfter, int256 targetDelta, uint256 tolerance);
    /// @notice A non-urgent rebalance came before the cooldown ended.
    error VaultCooldownActive(uint256 endsAt);
    /// @notice The swap input is worth more than the per-call notional cap.
    error VaultNotionalCapExceeded(uint256 notional, uint256 maxNotional);
    /// @notice The trade would use more delta than the keeper's remaining budget.
    error VaultDeltaBudgetExceeded(uint256 needed, uint256 remaining);
    /// @notice The swap returned less than the vault's minimum output.
    error VaultInsufficientOutput(uint256 amountOut, uint256 minAmountOut);

    // ------------------------------------------------------------------------------------------------------------
    // Options
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Opens a new series with implied volatility `vol`.
    /// @dev WRITER_ROLE, not paused. Strike within the pricing library's price domain; expiry in
    /// (now, now + maxTimeToExpiry]; vol in [minVol, maxVol]; at most MAX_OPEN_SERIES series open at once.
    /// @return seriesId The new series' id.
    function createSeries(bool isCall, uint256 strike, uint256 expiry, uint256 vol) external returns (uint256 seriesId);

    /// @notice Writes `size` options of `seriesId` to `holder`, pulling `premium` quote from the caller.
    /// @dev WRITER_ROLE, not paused. The premium must cover the Black-Scholes value at the series' vol and the
    /// oracle price, and the collateral rule must hold afterwards.
    function write(uint256 seriesId, uint256 size, uint256 premium, address holder) external;

    /// @notice Sets a series' implied volatility. VOL_SETTER_ROLE; within [minVol, maxVol]; not after expiry.
    function setVol(uint256 seriesId, uint256 vol) external;

    /// @notice Settles an expired series and reserves its payouts. Anyone may call.
    /// @dev The settlement price is the answer of the feed round that straddles expiry: the first round with
    /// `updatedAt >= expiry`, i.e. whose predecessor (`roundId - 1`, same phase) has `updatedAt < expiry`. The caller
    /// supplies that round as `roundId` and the oracle adapter verifies both conditions, so exactly one round is
    /// accepted and the caller has no choice of price or timing (`IOracleAdapter.roundPriceAfter`).
    /// @param roundId The feed's round id (proxy id, phase included) straddling the series' expiry.
    function settle(uint256 seriesId, uint80 roundId) external;

    /// @notice Pays the caller's position in a settled series and burns it.
    /// @return amount Quote paid, rounded down.
    function claim(uint256 seriesId) external returns (uint256 amount);

    // ------------------------------------------------------------------------------------------------------------
    // Hedging
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Swaps quote and underlying on the vault's Uniswap V3 pool to move the book's delta toward the target.
    /// @dev KEEPER_ROLE, not paused. See the contract documentation for every bound enforced.
    /// @return amountIn What was actually spent.
    /// @return amountOut What was actually received.
    function rebalance(RebalanceParams calldata params) external returns (uint256 amountIn, uint256 amountOut);



    /// @notice Sets a keeper's delta budget (refill). DEFAULT_ADMIN_ROLE.
    function setDeltaBudget(address keeper, uint256 budget) external;

    /// @notice A keeper's remaining delta budget, underlying base units.
    function deltaBudget(address keeper) external view returns (uint256);

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Every series not yet settled, in one call (the keeper reads this every block).
    function openSeries() external view returns (Series[] memory);

    /// @notice One series by id, settled or not.
    function series(uint256 seriesId) external view returns (Series memory);

    /// @notice Size of `holder`'s position in `seriesId`.
    function positionOf(uint256 seriesId, address holder) external view returns (uint256);

    /// @notice Quote reserved for holders of settled series, not yet claimed.
    function reservedPayouts() external view returns (uint256);



    /// @notice The oracle adapter.
    function oracle() external view returns (IOracleAdapter);

    /// @notice The underlying token.
    function underlying() external view returns (address);

    /// @notice The Uniswap V3 SwapRouter used by `rebalance`.
    function swapRouter() external view returns (address);

    /// @notice The Uniswap V3 pool (underlying / quote) hedged on.
    function pool() external view returns (address);

    /// @notice Current limits.
    function rebalanceConfig() external view returns (RebalanceConfig memory);

    /// @notice Current hedging target.
    function deltaConfig() external view returns (DeltaConfig memory);

    /// @notice Current writing limits.
    function writeConfig() external view returns (WriteConfig memory);

    /// @notice Timestamp of the last rebalance.
    function lastRebalanceAt() external view returns (uint256);

    /// @notice Whether deposits, writes and rebalances are stopped.
    function paused() external view returns (bool);

    // ------------------------------------------------------------------------------------------------------------
    // Admin
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Sets the rebalance limits. DEFAULT_ADMIN_ROLE.
    function setRebalanceConfig(RebalanceConfig calldata config) external;

    /// @notice Sets the hedging target. DEFAULT_ADMIN_ROLE.
    function setDeltaConfig(DeltaConfig calldata config) external;

    /// @notice Sets the writing limits. DEFAULT_ADMIN_ROLE.
    function setWriteConfig(WriteConfig calldata config) external;

    /// @notice Stops deposits, writes and rebalances. GUARDIAN_ROLE. Withdrawals, settlement and claims go on.
    function pause() external;

    /// @notice Lifts the pause. DEFAULT_ADMIN_ROLE.
    function unpause() external;
}
