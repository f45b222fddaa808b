// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Chainlink price feed, as read through its proxy
/// @notice The subset of Chainlink's `AggregatorV3Interface` the vault reads. Written from the published interface
/// shape; any contract answering these selectors (a Chainlink proxy, an L2 sequencer-uptime feed, a mock) fits.
interface IAggregatorV3 {
    /// @notice Number of decimals in `answer`.
    function decimals() external view returns (uint8);

    /// @notice Human readable feed description, e.g. "ETH / USD".
    function description() external view returns (string memory);

    /// @notice Aggregator version.
    function version() external view returns (uint256);

    /// @notice Data of a given round.
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice Data of the latest round. For a sequencer-uptime feed, `answer` is 0 when the sequencer is up and 1
    /// when it is down, and `startedAt` is when that status began.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
