// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IAggregatorV3} from "../../src/interfaces/IAggregatorV3.sol";

/// @title MockAggregatorV3
/// @notice Settable Chainlink-shaped feed for tests and the local anvil stack only. Never deploy it to a live chain.
/// @dev Keeps every round, like a Chainlink proxy, so `getRoundData` answers for past rounds (settlement looks up the
/// round straddling expiry). Round ids follow the proxy format `phaseId << 64 | aggregatorRoundId` with phase 1, so
/// the first round is `2^64 + 1`. The latest round id and the revert switch share one slot and each round takes two
/// (answer; both timestamps), so a `latestRoundData` read touches three slots, about what a Chainlink proxy plus
/// aggregator read costs.
contract MockAggregatorV3 is IAggregatorV3 {
    /// @notice Proxy round id of the first round (phase 1, aggregator round 1).
    uint80 public constant FIRST_ROUND_ID = (uint80(1) << 64) | 1;

    struct Round {
        int256 answer;
        uint64 startedAt;
        uint64 updatedAt;
    }

    uint8 private immutable _decimals;
    string private _description;
    uint80 private _latestRoundId;
    bool private _reverts;
    mapping(uint80 roundId => Round) private _rounds;

    constructor(uint8 decimals_, string memory description_, int256 answer_) {
        _decimals = decimals_;
        _description = description_;
        _latestRoundId = FIRST_ROUND_ID - 1;
        setAnswer(answer_);
    }

    /// @notice Publishes a new round with `answer_` at the current timestamp.
    function setAnswer(int256 answer_) public {
        setRound(answer_, block.timestamp, block.timestamp);
    }

    /// @notice Publishes a new round with explicit timestamps (staleness, sequencer and settlement tests).
    function setRound(int256 answer_, uint256 startedAt_, uint256 updatedAt_) public {
        require(startedAt_ <= type(uint64).max && updatedAt_ <= type(uint64).max, "MockAggregatorV3: timestamp");
        unchecked {
            // A test feed never publishes 2^64 rounds in a phase.
            ++_latestRoundId;
        }
        // Both bounds were checked above.
        // forge-lint: disable-next-line(unsafe-typecast)
        _rounds[_latestRoundId] = Round(answer_, uint64(startedAt_), uint64(updatedAt_));
    }

    /// @notice Makes every read revert (a broken or deprecated feed).
    function setReverts(bool reverts_) external {
        _reverts = reverts_;
    }

    /// @notice Id of the latest round.
    function latestRound() external view returns (uint80) {
        return _latestRoundId;
    }

    function decimals() external view returns (uint8) {
        return _decimals;
    }

    function description() external view returns (string memory) {
        return _description;
    }

    function version() external pure returns (uint256) {
        return 4;
    }

    /// @dev Like newer Chainlink aggregators, reverts for a round that does not exist.
    function getRoundData(uint80 roundId_) external view returns (uint80, int256, uint256, uint256, uint80) {
        require(!_reverts, "MockAggregatorV3: reverts");
        require(roundId_ >= FIRST_ROUND_ID && roundId_ <= _latestRoundId, "MockAggregatorV3: no data present");
        Round memory r = _rounds[roundId_];
        return (roundId_, r.answer, r.startedAt, r.updatedAt, roundId_);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        require(!_reverts, "MockAggregatorV3: reverts");
        uint80 id = _latestRoundId;
        Round memory r = _rounds[id];
        return (id, r.answer, r.startedAt, r.updatedAt, id);
    }
}
