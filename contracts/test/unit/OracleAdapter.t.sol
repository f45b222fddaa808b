// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";

import {OracleAdapter} from "../../src/OracleAdapter.sol";
import {IAggregatorV3} from "../../src/interfaces/IAggregatorV3.sol";
import {IOracleAdapter} from "../../src/interfaces/IOracleAdapter.sol";
import {MockAggregatorV3} from "../mocks/MockAggregatorV3.sol";

contract OracleAdapterTest is Test {
    MockAggregatorV3 internal feed;
    MockAggregatorV3 internal sequencer;
    OracleAdapter internal adapter;
    OracleAdapter internal l2Adapter;

    function setUp() public {
        vm.warp(1_700_000_000);
        feed = new MockAggregatorV3(8, "ETH / USD", 3000e8);
        sequencer = new MockAggregatorV3(0, "Sequencer uptime", 0);
        sequencer.setRound(0, block.timestamp - 2 hours, block.timestamp - 2 hours);
        adapter = new OracleAdapter(IAggregatorV3(address(feed)), IAggregatorV3(address(0)), 1 hours, 0);
        l2Adapter = new OracleAdapter(IAggregatorV3(address(feed)), IAggregatorV3(address(sequencer)), 1 hours, 1 hours);
    }

    function test_LatestPriceScalesToWad() public view {
        (uint256 price, uint256 updatedAt) = adapter.latestPrice();
        assertEq(price, 3000e18);
        assertEq(updatedAt, block.timestamp);
    }

    function testFuzz_ScalesAnyDecimals(uint8 decimals, uint256 answer) public {
        decimals = uint8(bound(decimals, 0, 36));
        answer = bound(answer, 1, 1e40);
        MockAggregatorV3 f = new MockAggregatorV3(decimals, "X", int256(answer));
        OracleAdapter a = new OracleAdapter(IAggregatorV3(address(f)), IAggregatorV3(address(0)), 1 hours, 0);
        uint256 expected = decimals <= 18 ? answer * 10 ** (18 - decimals) : answer / 10 ** (decimals - 18);
        (IOracleAdapter.Status status, uint256 price,) = a.tryLatestPrice();
        if (expected == 0) {
            assertEq(uint8(status), uint8(IOracleAdapter.Status.NonPositiveAnswer));
        } else {
            assertEq(uint8(status), uint8(IOracleAdapter.Status.Ok));
            assertEq(price, expected);
        }
    }

    function test_AcceptsPriceExactlyAtStalenessLimit() public {
        vm.warp(block.timestamp + 1 hours);
        (uint256 price,) = adapter.latestPrice();
        assertEq(price, 3000e18);
    }

    function test_RevertWhen_PriceIsStale() public {
        uint256 updatedAt = block.timestamp;
        vm.warp(block.timestamp + 1 hours + 1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleStalePrice.selector, updatedAt, 1 hours));
        adapter.latestPrice();
        (IOracleAdapter.Status status,,) = adapter.tryLatestPrice();
        assertEq(uint8(status), uint8(IOracleAdapter.Status.Stale));
    }

    function test_RevertWhen_AnswerIsZero() public {
        feed.setAnswer(0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleNonPositiveAnswer.selector, int256(0)));
        adapter.latestPrice();
    }

    function test_RevertWhen_AnswerIsNegative() public {
        feed.setAnswer(-1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleNonPositiveAnswer.selector, int256(-1)));
        adapter.latestPrice();
    }

    function test_RevertWhen_UpdatedInFuture() public {
        feed.setRound(3000e8, block.timestamp, block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleUpdatedInFuture.selector, block.timestamp + 1));
        adapter.latestPrice();
    }

    function test_RevertWhen_UpdatedAtIsZero() public {
        feed.setRound(3000e8, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleUpdatedInFuture.selector, 0));
        adapter.latestPrice();
    }

    function test_RevertWhen_FeedReverts() public {
        feed.setReverts(true);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleFeedCallFailed.selector, address(feed)));
        adapter.latestPrice();
        (IOracleAdapter.Status status, uint256 price,) = adapter.tryLatestPrice();
        assertEq(uint8(status), uint8(IOracleAdapter.Status.FeedCallFailed));
        assertEq(price, 0);
    }

    function test_L2PriceWhenSequencerUpPastGracePeriod() public view {
        (uint256 price,) = l2Adapter.latestPrice();
        assertEq(price, 3000e18);
    }

    function test_RevertWhen_SequencerDown() public {
        sequencer.setRound(1, block.timestamp, block.timestamp);
        vm.expectRevert(IOracleAdapter.OracleSequencerDown.selector);
        l2Adapter.latestPrice();
    }

    function test_RevertWhen_SequencerWithinGracePeriod() public {
        uint256 upSince = block.timestamp - 30 minutes;
        sequencer.setRound(0, upSince, upSince);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleSequencerGracePeriod.selector, upSince, 1 hours));
        l2Adapter.latestPrice();
    }

    function test_RevertWhen_SequencerFeedReverts() public {
        sequencer.setReverts(true);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleSequencerCallFailed.selector, address(sequencer)));
        l2Adapter.latestPrice();
    }

    function test_RevertWhen_SequencerRoundInvalid() public {
        sequencer.setRound(0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleSequencerCallFailed.selector, address(sequencer)));
        l2Adapter.latestPrice();
    }

    function test_TryLatestPriceNeverRevertsOnMalformedFeed() public {
        // A contract that answers latestRoundData with too few bytes.
        address broken = address(new ShortAnswer());
        vm.mockCall(broken, abi.encodeWithSignature("decimals()"), abi.encode(uint8(8)));
        OracleAdapter a = new OracleAdapter(IAggregatorV3(broken), IAggregatorV3(address(0)), 1 hours, 0);
        (IOracleAdapter.Status status,,) = a.tryLatestPrice();
        assertEq(uint8(status), uint8(IOracleAdapter.Status.FeedCallFailed));
    }

    function test_Getters() public view {
        assertEq(address(l2Adapter.feed()), address(feed));
        assertEq(address(l2Adapter.sequencerUptimeFeed()), address(sequencer));
        assertEq(l2Adapter.stalenessLimit(), 1 hours);
        assertEq(l2Adapter.gracePeriod(), 1 hours);
        assertEq(l2Adapter.feedDecimals(), feed.decimals());
    }

    function test_RevertWhen_ConstructedWithBadConfig() public {
        IAggregatorV3 f = IAggregatorV3(address(feed));
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleInvalidConfig.selector, "feed"));
        new OracleAdapter(IAggregatorV3(address(0xdead)), IAggregatorV3(address(0)), 1 hours, 0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleInvalidConfig.selector, "stalenessLimit"));
        new OracleAdapter(f, IAggregatorV3(address(0)), 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleInvalidConfig.selector, "stalenessLimit"));
        new OracleAdapter(f, IAggregatorV3(address(0)), 3 days, 0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleInvalidConfig.selector, "gracePeriod"));
        new OracleAdapter(f, IAggregatorV3(address(0)), 1 hours, 1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleInvalidConfig.selector, "sequencerUptimeFeed"));
        new OracleAdapter(f, IAggregatorV3(address(0xbeef)), 1 hours, 1);
        MockAggregatorV3 wide = new MockAggregatorV3(37, "X", 1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleInvalidConfig.selector, "decimals"));
        new OracleAdapter(IAggregatorV3(address(wide)), IAggregatorV3(address(0)), 1 hours, 0);
    }
}

contract ShortAnswer {
    fallback() external {
        assembly {
            mstore(0, 1)
            return(0, 32)
        }
    }
}
