// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title FeedReader
/// @notice The vault's inline copy of `OracleAdapter`'s acceptance rule for the latest price, read straight from the
/// Chainlink-shaped feed (and the L2 sequencer-uptime feed when one is configured) with the adapter's own immutable
/// configuration, which the vault copies at construction. It saves the keeper's hot path the adapter's account and
/// call; it never decides alone that a price is bad.
/// @dev `latestPrice` returns the WAD price only when every check of `OracleAdapter._read` passes, and 0 otherwise;
/// on 0 the caller asks the adapter itself (`IOracleAdapter.latestPrice`), which then reverts with the typed reason.
/// So the fast path can only be stricter than the adapter, never looser: an answer it accepts is one the adapter
/// reports as `Status.Ok` with the same price (fuzzed against the adapter in `FeedReader.t.sol`). The checks, in the
/// adapter's order: sequencer round readable with 0 < startedAt <= now, answer 0 (up), up for longer than the grace
/// period; price round readable (at least five return words), answer > 0, 0 < updatedAt <= now, age at most the
/// staleness limit, and the answer scaled to 18 decimals without overflow and not to zero.
library FeedReader {
    /// @notice One feed's acceptance rule, as the adapter holds it.
    /// @param feed Price feed.
    /// @param sequencer L2 sequencer-uptime feed, or the zero address.
    /// @param stalenessLimit Maximum age of a usable answer, seconds.
    /// @param gracePeriod Seconds after the sequencer is back during which prices are not trusted.
    /// @param scaleUp 10^(18 - decimals) when the feed has at most 18 decimals, else 1.
    /// @param scaleDown 10^(decimals - 18) when the feed has more than 18 decimals, else 1.
    struct Config {
        address feed;
        address sequencer;
        uint256 stalenessLimit;
        uint256 gracePeriod;
        uint256 scaleUp;
        uint256 scaleDown;
    }

    /// @notice The factors that scale an answer with `decimals` decimals to 18.
    function scales(uint8 decimals) internal pure returns (uint256 scaleUp, uint256 scaleDown) {
        if (decimals <= 18) return (10 ** (18 - uint256(decimals)), 1);
        return (1, 10 ** (uint256(decimals) - 18));
    }

    /// @notice The latest price with 18 decimals when the adapter would accept it, else 0.
    function latestPrice(Config memory c) internal view returns (uint256 price) {
        if (c.sequencer != address(0)) {
            (bool seqOk, int256 status, uint256 startedAt,) = _latestRound(c.sequencer);
            if (!seqOk || startedAt == 0 || startedAt > block.timestamp) return 0;
            if (status != 0 || block.timestamp - startedAt <= c.gracePeriod) return 0;
        }
        (bool ok, int256 answer,, uint256 updatedAt) = _latestRound(c.feed);
        if (!ok || answer <= 0 || updatedAt == 0 || updatedAt > block.timestamp) return 0;
        if (block.timestamp - updatedAt > c.stalenessLimit) return 0;
        // answer > 0 was just checked.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 raw = uint256(answer);
        if (raw > type(uint256).max / c.scaleUp) return 0;
        return raw * c.scaleUp / c.scaleDown;
    }

    /// @dev `latestRoundData()` by a static call into scratch memory: `ok` is false when the call reverts or returns
    /// fewer than five words (as the adapter's low-level read). Round ids are not read.
    function _latestRound(address source)
        private
        view
        returns (bool ok, int256 answer, uint256 startedAt, uint256 updatedAt)
    {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, shl(224, 0xfeaf968c)) // latestRoundData()
            ok := staticcall(gas(), source, ptr, 4, ptr, 160)
            // Yul evaluates arguments right to left: the size must be read after the call, hence two statements.
            ok := and(ok, gt(returndatasize(), 159))
            if ok {
                answer := mload(add(ptr, 32))
                startedAt := mload(add(ptr, 64))
                updatedAt := mload(add(ptr, 96))
            }
        }
    }
}
