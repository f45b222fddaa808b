// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IAggregatorV3} from "./interfaces/IAggregatorV3.sol";
import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";

/// @title OracleAdapter
/// @notice One immutable adapter per feed: its staleness limit, decimals and optional sequencer feed are fixed at
/// deployment so no role can loosen them later. Deploy a new adapter to change them.
contract OracleAdapter is IOracleAdapter {
    uint256 private constant WAD_DECIMALS = 18;
    /// @dev Feeds with more than this many decimals are rejected (scaling would lose the price).
    uint8 private constant MAX_FEED_DECIMALS = 36;
    /// @dev Upper bound on the staleness limit: a feed older than two days is never fresh.
    uint256 private constant MAX_STALENESS_LIMIT = 2 days;

    IAggregatorV3 private immutable _feed;
    IAggregatorV3 private immutable _sequencerUptimeFeed;
    uint256 private immutable _stalenessLimit;
    uint256 private immutable _gracePeriod;
    uint8 private immutable _feedDecimals;

    /// @param feed_ Price feed of the underlying in the quote asset.
    /// @param sequencerUptimeFeed_ L2 sequencer-uptime feed, or the zero address on L1.
    /// @param stalenessLimit_ Maximum age of a usable answer, in seconds (the feed's heartbeat plus a margin).
    /// @param gracePeriod_ Seconds after the sequencer comes back up during which prices are not trusted.
    constructor(IAggregatorV3 feed_, IAggregatorV3 sequencerUptimeFeed_, uint256 stalenessLimit_, uint256 gracePeriod_) {
        if (address(feed_).code.length == 0) revert OracleInvalidConfig("feed");
        if (stalenessLimit_ == 0 || stalenessLimit_ > MAX_STALENESS_LIMIT) revert OracleInvalidConfig("stalenessLimit");
        if (address(sequencerUptimeFeed_) == address(0)) {
            if (gracePeriod_ != 0) revert OracleInvalidConfig("gracePeriod");
        } else if (address(sequencerUptimeFeed_).code.length == 0) {
            revert OracleInvalidConfig("sequencerUptimeFeed");
        }
        uint8 decimals_ = feed_.decimals();
        if (decimals_ > MAX_FEED_DECIMALS) revert OracleInvalidConfig("decimals");
        _feed = feed_;
        _sequencerUptimeFeed = sequencerUptimeFeed_;
        _stalenessLimit = stalenessLimit_;
        _gracePeriod = gracePeriod_;
        _feedDecimals = decimals_;
    }

    /// @inheritdoc IOracleAdapter
    function feed() external view returns (IAggregatorV3) {
        return _feed;
    }

    /// @inheritdoc IOracleAdapter
    function sequencerUptimeFeed() external view returns (IAggregatorV3) {
        return _sequencerUptimeFeed;
    }

    /// @inheritdoc IOracleAdapter
    function stalenessLimit() external view returns (uint256) {
        return _stalenessLimit;
    }

    /// @inheritdoc IOracleAdapter
    function gracePeriod() external view returns (uint256) {
        return _gracePeriod;
    }

    /// @inheritdoc IOracleAdapter
    function feedDecimals() external view returns (uint8) {
        return _feedDecimals;
    }

    /// @inheritdoc IOracleAdapter
    function latestPrice() external view returns (uint256 priceWad, uint256 updatedAt) {
        Status status;
        int256 answer;
        uint256 detail;
        (status, priceWad, updatedAt, answer, detail) = _read();
        if (status == Status.Ok) return (priceWad, updatedAt);
        if (status == Status.FeedCallFailed) revert OracleFeedCallFailed(address(_feed));
        if (status == Status.NonPositiveAnswer) revert OracleNonPositiveAnswer(answer);
        if (status == Status.UpdatedInFuture) revert OracleUpdatedInFuture(detail);
        if (status == Status.Stale) revert OracleStalePrice(detail, _stalenessLimit);
        if (status == Status.SequencerCallFailed) revert OracleSequencerCallFailed(address(_sequencerUptimeFeed));
        if (status == Status.SequencerDown) revert OracleSequencerDown();
        revert OracleSequencerGracePeriod(detail, _gracePeriod);
    }

    /// @inheritdoc IOracleAdapter
    function roundPriceAfter(uint256 time, uint80 roundId) external view returns (uint256 priceWad, uint256 updatedAt) {
        if (roundId == 0) revert OracleRoundUnavailable(0); // no predecessor to check against
        int256 answer;
        (answer, updatedAt) = _roundAt(roundId);
        if (updatedAt < time) revert OracleRoundBeforeTime(roundId, updatedAt, time);
        if (updatedAt > block.timestamp) revert OracleUpdatedInFuture(updatedAt);
        (, uint256 previousUpdatedAt) = _roundAt(roundId - 1);
        if (previousUpdatedAt >= time) revert OracleRoundNotFirstAfterTime(roundId, previousUpdatedAt, time);
        if (answer <= 0) revert OracleNonPositiveAnswer(answer);
        Status status;
        // answer > 0 was just checked.
        // forge-lint: disable-next-line(unsafe-typecast)
        (status, priceWad) = _scale(uint256(answer));
        if (status == Status.FeedCallFailed) revert OracleFeedCallFailed(address(_feed));
        if (status != Status.Ok) revert OracleNonPositiveAnswer(answer);
    }

    /// @inheritdoc IOracleAdapter
    function tryLatestPrice() external view returns (Status status, uint256 priceWad, uint256 updatedAt) {
        (status, priceWad, updatedAt,,) = _read();
    }

    /// @dev Reads the sequencer feed (if any) and the price feed without reverting. `detail` carries the timestamp
    /// an error reports; `answer` the raw answer for `NonPositiveAnswer`.
    function _read()
        private
        view
        returns (Status status, uint256 priceWad, uint256 updatedAt, int256 answer, uint256 detail)
    {
        if (address(_sequencerUptimeFeed) != address(0)) {
            (bool seqOk, int256 seqAnswer, uint256 startedAt,) = _latestRound(_sequencerUptimeFeed);
            if (!seqOk || startedAt == 0 || startedAt > block.timestamp) return (Status.SequencerCallFailed, 0, 0, 0, 0);
            // Chainlink's uptime feed: 0 = up, 1 = down; startedAt = when the status last changed.
            if (seqAnswer != 0) return (Status.SequencerDown, 0, 0, 0, 0);
            if (block.timestamp - startedAt <= _gracePeriod) return (Status.SequencerGracePeriod, 0, 0, 0, startedAt);
        }
        bool ok;
        (ok, answer,, updatedAt) = _latestRound(_feed);
        if (!ok) return (Status.FeedCallFailed, 0, 0, 0, 0);
        if (answer <= 0) return (Status.NonPositiveAnswer, 0, 0, answer, 0);
        if (updatedAt == 0 || updatedAt > block.timestamp) return (Status.UpdatedInFuture, 0, 0, 0, updatedAt);
        if (block.timestamp - updatedAt > _stalenessLimit) return (Status.Stale, 0, 0, 0, updatedAt);
        // answer > 0 was checked above.
        // forge-lint: disable-next-line(unsafe-typecast)
        (status, priceWad) = _scale(uint256(answer));
        if (status != Status.Ok) return (status, 0, 0, answer, 0);
        return (Status.Ok, priceWad, updatedAt, 0, 0);
    }

    /// @dev A positive raw answer to 18 decimals: `FeedCallFailed` when it overflows (a malformed feed),
    /// `NonPositiveAnswer` when it scales down to zero.
    function _scale(uint256 raw) private view returns (Status status, uint256 priceWad) {
        if (_feedDecimals <= WAD_DECIMALS) {
            uint256 scale = 10 ** (WAD_DECIMALS - _feedDecimals);
            if (raw > type(uint256).max / scale) return (Status.FeedCallFailed, 0);
            return (Status.Ok, raw * scale);
        }
        priceWad = raw / 10 ** (_feedDecimals - WAD_DECIMALS);
        status = priceWad == 0 ? Status.NonPositiveAnswer : Status.Ok;
    }

    /// @dev `getRoundData(roundId)` through a low-level static call; reverts with `OracleRoundUnavailable` when the
    /// call fails, returns fewer than five words, or the round does not exist (`updatedAt == 0`).
    function _roundAt(uint80 roundId) private view returns (int256 answer, uint256 updatedAt) {
        (bool success, bytes memory data) =
            address(_feed).staticcall(abi.encodeCall(IAggregatorV3.getRoundData, (roundId)));
        if (!success || data.length < 160) revert OracleRoundUnavailable(roundId);
        (, answer,, updatedAt,) = abi.decode(data, (uint256, int256, uint256, uint256, uint256));
        if (updatedAt == 0) revert OracleRoundUnavailable(roundId);
    }

    /// @dev `latestRoundData()` through a low-level static call, so a reverting feed or one returning fewer than five
    /// words reports `ok = false` instead of reverting (a `try` would still revert on malformed return data). The
    /// round ids are decoded as full words for the same reason: they are not used.
    function _latestRound(IAggregatorV3 source)
        private
        view
        returns (bool ok, int256 answer, uint256 startedAt, uint256 updatedAt)
    {
        (bool success, bytes memory data) =
            address(source).staticcall(abi.encodeCall(IAggregatorV3.latestRoundData, ()));
        if (!success || data.length < 160) return (false, 0, 0, 0);
        (, answer, startedAt, updatedAt,) = abi.decode(data, (uint256, int256, uint256, uint256, uint256));
        ok = true;
    }
}
