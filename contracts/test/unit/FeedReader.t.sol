// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";

import {OracleAdapter} from "../../src/OracleAdapter.sol";
import {IAggregatorV3} from "../../src/interfaces/IAggregatorV3.sol";
import {IOracleAdapter} from "../../src/interfaces/IOracleAdapter.sol";
import {FeedReader} from "../../src/libraries/FeedReader.sol";
import {MockAggregatorV3} from "../mocks/MockAggregatorV3.sol";

/// @dev Exposes the internal library with an adapter's configuration, as `OptionsVault._feedPrice` builds it.
contract FeedReaderHarness {
    FeedReader.Config internal config;

    constructor(IOracleAdapter adapter) {
        (uint256 scaleUp, uint256 scaleDown) = FeedReader.scales(adapter.feedDecimals());
        config = FeedReader.Config({
            feed: address(adapter.feed()),
            sequencer: address(adapter.sequencerUptimeFeed()),
            stalenessLimit: adapter.stalenessLimit(),
            gracePeriod: adapter.gracePeriod(),
            scaleUp: scaleUp,
            scaleDown: scaleDown
        });
    }

    function latestPrice() external view returns (uint256) {
        return FeedReader.latestPrice(config);
    }
}

/// @notice The vault's inline oracle read accepts exactly the answers `OracleAdapter` accepts, at the same price: it
/// returns the adapter's price when the adapter reports `Status.Ok` and 0 (ask the adapter, which reverts with the
/// reason) otherwise.
contract FeedReaderTest is Test {
    uint256 internal constant NOW = 1_700_000_000;

    MockAggregatorV3 internal sequencer;

    function setUp() public {
        vm.warp(NOW);
        sequencer = new MockAggregatorV3(0, "Sequencer uptime", 0);
    }

    function _pair(MockAggregatorV3 feed, bool l2) internal returns (OracleAdapter adapter, FeedReaderHarness reader) {
        adapter = l2
            ? new OracleAdapter(IAggregatorV3(address(feed)), IAggregatorV3(address(sequencer)), 1 hours, 1 hours)
            : new OracleAdapter(IAggregatorV3(address(feed)), IAggregatorV3(address(0)), 1 hours, 0);
        reader = new FeedReaderHarness(adapter);
    }

    function _assertAgrees(OracleAdapter adapter, FeedReaderHarness reader) internal view returns (bool ok) {
        (IOracleAdapter.Status status, uint256 price,) = adapter.tryLatestPrice();
        ok = status == IOracleAdapter.Status.Ok;
        assertEq(reader.latestPrice(), ok ? price : 0, "fast path disagrees with the adapter");
    }

    function test_ScalesLikeTheAdapter() public {
        (OracleAdapter adapter, FeedReaderHarness reader) = _pair(new MockAggregatorV3(8, "ETH / USD", 3000e8), false);
        assertTrue(_assertAgrees(adapter, reader));
        assertEq(reader.latestPrice(), 3000e18);
    }

    function test_ReturnsZeroWhenFeedRevertsOrIsStale() public {
        MockAggregatorV3 feed = new MockAggregatorV3(8, "ETH / USD", 3000e8);
        (OracleAdapter adapter, FeedReaderHarness reader) = _pair(feed, false);
        vm.warp(NOW + 1 hours + 1);
        assertFalse(_assertAgrees(adapter, reader));
        vm.warp(NOW);
        feed.setReverts(true);
        assertFalse(_assertAgrees(adapter, reader));
    }

    function test_SequencerDownOrInGracePeriod() public {
        MockAggregatorV3 feed = new MockAggregatorV3(8, "ETH / USD", 3000e8);
        (OracleAdapter adapter, FeedReaderHarness reader) = _pair(feed, true);
        sequencer.setRound(0, NOW - 2 hours, NOW - 2 hours);
        assertTrue(_assertAgrees(adapter, reader));
        sequencer.setRound(1, NOW - 2 hours, NOW - 2 hours); // down
        assertFalse(_assertAgrees(adapter, reader));
        sequencer.setRound(0, NOW - 30 minutes, NOW - 30 minutes); // back up, within the grace period
        assertFalse(_assertAgrees(adapter, reader));
    }

    /// @notice Any answer, decimals, timestamps and sequencer state: same verdict and price as the adapter.
    function testFuzz_AgreesWithAdapter(
        uint8 decimals,
        int256 answer,
        uint256 updatedAt,
        bool l2,
        uint256 sequencerStatus,
        uint256 sequencerSince
    ) public {
        decimals = uint8(bound(decimals, 0, 36));
        updatedAt = bound(updatedAt, 0, NOW + 2 hours);
        MockAggregatorV3 feed = new MockAggregatorV3(decimals, "X", answer);
        feed.setRound(answer, updatedAt, updatedAt);
        sequencer.setRound(int256(bound(sequencerStatus, 0, 2)), bound(sequencerSince, 0, NOW + 1 hours), NOW);
        (OracleAdapter adapter, FeedReaderHarness reader) = _pair(feed, l2);
        _assertAgrees(adapter, reader);
    }
}
