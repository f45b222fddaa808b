// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IAggregatorV3} from "../../src/interfaces/IAggregatorV3.sol";

/// @title MockAggregatorV3
/// @notice Settable Chainlink-shaped feed for tests and the local anvil stack only. Never deploy it to a live chain.
contract MockAggregatorV3 is IAggregatorV3 {
    uint8 private immutable _decimals;
    string private _description;
    uint80 private _roundId;
    int256 private _answer;
    uint256 private _startedAt;
    uint256 private _updatedAt;
    bool private _reverts;

    constructor(uint8 decimals_, string memory description_, int256 answer_) {
        _decimals = decimals_;
        _description = description_;
        setAnswer(answer_);
    }

    /// @notice Publishes a new round with `answer_` at the current timestamp.
    function setAnswer(int256 answer_) public {
        setRound(answer_, block.timestamp, block.timestamp);
    }

    /// @notice Publishes a new round with explicit timestamps (staleness and sequencer tests).
    function setRound(int256 answer_, uint256 startedAt_, uint256 updatedAt_) public {
        unchecked {
            // A test feed never publishes 2^80 rounds.
            ++_roundId;
        }
        _answer = answer_;
        _startedAt = startedAt_;
        _updatedAt = updatedAt_;
    }

    /// @notice Makes every read revert (a broken or deprecated feed).
    function setReverts(bool reverts_) external {
        _reverts = reverts_;
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

    function getRoundData(uint80 roundId_) external view returns (uint80, int256, uint256, uint256, uint80) {
        require(!_reverts, "MockAggregatorV3: reverts");
        require(roundId_ == _roundId, "MockAggregatorV3: only the latest round is kept");
        return (_roundId, _answer, _startedAt, _updatedAt, _roundId);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        require(!_reverts, "MockAggregatorV3: reverts");
        return (_roundId, _answer, _startedAt, _updatedAt, _roundId);
    }
}
