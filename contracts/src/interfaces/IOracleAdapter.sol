// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAggregatorV3} from "./IAggregatorV3.sol";

/// @title Oracle adapter over one Chainlink-shaped price feed
/// @notice Turns one `AggregatorV3Interface` feed (underlying priced in the quote asset) into an 18-decimal price
/// the vault can trust: the answer is positive, not older than the feed's staleness limit, not from the future, and,
/// on an L2 with a sequencer-uptime feed configured, the sequencer has been up for at least the grace period.
interface IOracleAdapter {
    /// @notice Why a price is not usable; `Ok` when it is.
    enum Status {
        Ok,
        FeedCallFailed,
        NonPositiveAnswer,
        UpdatedInFuture,
        Stale,
        SequencerCallFailed,
        SequencerDown,
        SequencerGracePeriod
    }

    /// @notice The feed call itself reverted or returned malformed data.
    error OracleFeedCallFailed(address feed);
    /// @notice The feed answered zero or a negative price.
    error OracleNonPositiveAnswer(int256 answer);
    /// @notice The feed's `updatedAt` is zero or later than the current block.
    error OracleUpdatedInFuture(uint256 updatedAt);
    /// @notice The feed's last update is older than `stalenessLimit` seconds.
    error OracleStalePrice(uint256 updatedAt, uint256 stalenessLimit);
    /// @notice The sequencer-uptime feed call reverted or returned malformed data.
    error OracleSequencerCallFailed(address sequencerFeed);
    /// @notice The L2 sequencer is reported down.
    error OracleSequencerDown();
    /// @notice The sequencer came back up less than `gracePeriod` seconds ago.
    error OracleSequencerGracePeriod(uint256 upSince, uint256 gracePeriod);
    /// @notice Round `roundId` cannot be read: the call failed, returned malformed data, or the round does not exist
    /// (`updatedAt == 0`).
    error OracleRoundUnavailable(uint80 roundId);
    /// @notice Round `roundId` was last updated at `updatedAt`, before `time`: it cannot price `time`.
    error OracleRoundBeforeTime(uint80 roundId, uint256 updatedAt, uint256 time);
    /// @notice The round before `roundId` was already updated at or after `time` (`previousUpdatedAt`), so `roundId`
    /// is not the first round at or after `time`.
    error OracleRoundNotFirstAfterTime(uint80 roundId, uint256 previousUpdatedAt, uint256 time);
    /// @notice A constructor argument is out of range; `parameter` names it.
    error OracleInvalidConfig(string parameter);

    /// @notice The price feed (underlying / quote).
    function feed() external view returns (IAggregatorV3);

    /// @notice The L2 sequencer-uptime feed, or the zero address when none is configured (L1).
    function sequencerUptimeFeed() external view returns (IAggregatorV3);

    /// @notice Maximum age in seconds of the feed's last update.
    function stalenessLimit() external view returns (uint256);

    /// @notice Seconds the sequencer must have been up before prices are trusted again.
    function gracePeriod() external view returns (uint256);

    /// @notice Decimals of the price feed's answers (read once at deployment).
    function feedDecimals() external view returns (uint8);

    /// @notice The latest price, scaled to 18 decimals (quote per one whole underlying).
    /// @dev Reverts with one of the errors above when the price is not usable.
    /// @return priceWad The price with 18 decimals.
    /// @return updatedAt When the feed last updated.
    function latestPrice() external view returns (uint256 priceWad, uint256 updatedAt);

    /// @notice The price of the feed round that straddles `time`: round `roundId` must have `updatedAt >= time` and
    /// its predecessor `roundId - 1` `updatedAt < time`, so exactly one round id is accepted for a given `time`.
    /// @dev Used for settlement at expiry: the caller finds the round off chain (binary search over
    /// `getRoundData`) and this function only verifies it, in two reads. The answer must be positive; staleness and
    /// the sequencer feed are not consulted (the round is historical and fixed by its timestamps). The predecessor
    /// must be in the same phase of a Chainlink proxy (`roundId - 1`): a round that opens a phase (aggregator round
    /// 1) cannot be verified and reverts with `OracleRoundUnavailable(roundId - 1)`.
    /// @param time The timestamp to price (a series' expiry).
    /// @param roundId The round claimed to straddle `time`.
    /// @return priceWad The round's answer with 18 decimals.
    /// @return updatedAt The round's `updatedAt` (>= `time`).
    function roundPriceAfter(uint256 time, uint80 roundId) external view returns (uint256 priceWad, uint256 updatedAt);

    /// @notice The latest price without reverting: `status` tells whether it is usable.
    /// @dev `priceWad` and `updatedAt` are zero unless `status == Status.Ok`.
    function tryLatestPrice() external view returns (Status status, uint256 priceWad, uint256 updatedAt);
}
