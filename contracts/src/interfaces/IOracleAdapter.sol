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

    /// @notice The latest price, scaled to 18 decimals (quote per one whole underlying).
    /// @dev Reverts with one of the errors above when the price is not usable.
    /// @return priceWad The price with 18 decimals.
    /// @return updatedAt When the feed last updated.
    function latestPrice() external view returns (uint256 priceWad, uint256 updatedAt);

    /// @notice The latest price without reverting: `status` tells whether it is usable.
    /// @dev `priceWad` and `updatedAt` are zero unless `status == Status.Ok`.
    function tryLatestPrice() external view returns (Status status, uint256 priceWad, uint256 updatedAt);
}
