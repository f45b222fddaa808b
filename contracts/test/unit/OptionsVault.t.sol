// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

import {IOptionsVault} from "../../src/interfaces/IOptionsVault.sol";
import {IOracleAdapter} from "../../src/interfaces/IOracleAdapter.sol";
import {OracleAdapter} from "../../src/OracleAdapter.sol";
import {IAggregatorV3} from "../../src/interfaces/IAggregatorV3.sol";
import {MockAggregatorV3} from "../mocks/MockAggregatorV3.sol";
import {VaultTestBase} from "../utils/VaultTestBase.sol";

/// @notice Deposits, series, writing, vol, settlement, claims, pause and configuration, per function, with every
/// revert path.
contract OptionsVaultTest is VaultTestBase {
    // ----------------------------------------------------------------------------------------------- ERC-4626

    function test_DepositMintsSharesWithVirtualOffset() public {
        uint256 shares = _deposit(lp, 1000e6);
        assertEq(shares, 1000e6 * 1e6, "1e6 virtual shares per asset unit on an empty vault");
        assertEq(vault.totalAssets(), 1000e6);
        assertEq(vault.decimals(), 12);
    }

    function test_RedeemReturnsDeposit() public {
        uint256 shares = _deposit(lp, 1000e6);
        vm.prank(lp);
        uint256 assets = vault.redeem(shares, lp, lp);
        assertEq(assets, 1000e6);
        assertEq(quote.balanceOf(lp), 1000e6);
    }

    function test_InflationAttackByDonationIsUnprofitable() public {
        address attacker = makeAddr("attacker");
        uint256 attackerShares = _deposit(attacker, 1);
        _mintQuote(attacker, 100_000e6);
        vm.prank(attacker);
        (bool ok,) = address(quote).call(abi.encodeWithSignature("transfer(address,uint256)", address(vault), 100_000e6));
        assertTrue(ok);
        uint256 victimShares = _deposit(lp, 50_000e6);
        assertGt(victimShares, 0, "victim still gets shares");
        // With 1e6 virtual shares the victim's rounding loss is at most donation / 1e6, and the virtual shares keep
        // a large part of the donation: the attacker gets back less than it put in.
        assertGe(vault.previewRedeem(victimShares), 50_000e6 - 100_000e6 / 1e6);
        assertLt(vault.previewRedeem(attackerShares), 100_000e6 * 7 / 10);
    }

    function test_MaxDepositIsZeroWhenPausedOrOracleStale() public {
        assertEq(vault.maxDeposit(lp), type(uint256).max);
        vm.prank(guardian);
        vault.pause();
        assertEq(vault.maxDeposit(lp), 0);
        assertEq(vault.maxMint(lp), 0);
        vm.prank(admin);
        vault.unpause();
        vm.warp(block.timestamp + 2 hours);
        assertEq(vault.maxDeposit(lp), 0);
        assertEq(vault.maxMint(lp), 0);
    }

    function test_RevertWhen_DepositWhilePaused() public {
        vm.prank(guardian);
        vault.pause();
        _mintQuote(lp, 1e6);
        _approveQuote(lp, address(vault), 1e6);
        vm.prank(lp);
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxDeposit.selector, lp, 1e6, 0));
        vault.deposit(1e6, lp);
    }

    function test_RevertWhen_DepositWithStaleOracle() public {
        vm.warp(block.timestamp + 2 hours);
        _mintQuote(lp, 1e6);
        _approveQuote(lp, address(vault), 1e6);
        vm.prank(lp);
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxDeposit.selector, lp, 1e6, 0));
        vault.deposit(1e6, lp);
    }

    function test_TotalAssetsDoesNotRevertWithStaleOracle() public {
        _deposit(lp, 1000e6);
        vm.warp(block.timestamp + 2 hours);
        assertEq(vault.totalAssets(), 1000e6);
        assertEq(vault.maxWithdraw(lp), 0);
        assertEq(vault.maxRedeem(lp), 0);
    }

    function test_WithdrawLimitedByCollateralRule() public {
        _deposit(lp, 100_000e6);
        uint256 id = _createSeries(false, 3000e18, 14 days);
        _write(id, 100e18);
        (int256 low,) = lens.collateralValues(vault);
        uint256 maxWithdraw = vault.maxWithdraw(lp);
        assertEq(maxWithdraw, uint256(low), "the put's stress loss binds");
        vm.prank(lp);
        vault.withdraw(maxWithdraw, lp, lp);
        (low,) = lens.collateralValues(vault);
        assertGe(low, 0);
    }

    function test_RevertWhen_WithdrawBreaksCollateralRule() public {
        _deposit(lp, 100_000e6);
        uint256 id = _createSeries(false, 3000e18, 14 days);
        _write(id, 100e18);
        uint256 maxWithdraw = vault.maxWithdraw(lp);
        vm.prank(lp);
        vm.expectRevert(
            abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxWithdraw.selector, lp, maxWithdraw + 1, maxWithdraw)
        );
        vault.withdraw(maxWithdraw + 1, lp, lp);
    }

    function test_WithdrawWorksWhilePaused() public {
        _deposit(lp, 1000e6);
        vm.prank(guardian);
        vault.pause();
        vm.prank(lp);
        vault.withdraw(500e6, lp, lp);
        assertEq(quote.balanceOf(lp), 500e6);
    }

    // ----------------------------------------------------------------------------------------------- series

    function test_CreateSeries() public {
        vm.expectEmit(address(vault));
        emit IOptionsVault.SeriesCreated(1, true, 3200e18, block.timestamp + 7 days, 0.8e18);
        uint256 id = _createSeries(true, 3200e18, 7 days);
        assertEq(id, 1);
        IOptionsVault.Series memory s = vault.series(id);
        assertTrue(s.isCall);
        assertEq(s.strike, 3200e18);
        assertEq(s.expiry, block.timestamp + 7 days);
        assertEq(s.vol, 0.8e18);
        assertEq(vault.openSeries().length, 1);
    }

    function test_RevertWhen_CreateSeriesWithBadStrikeOrExpiry() public {
        vm.startPrank(writer);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultInvalidSeries.selector, 0, block.timestamp + 1 days));
        vault.createSeries(true, 0, block.timestamp + 1 days, 0.8e18);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultInvalidSeries.selector, 3000e18, block.timestamp));
        vault.createSeries(true, 3000e18, block.timestamp, 0.8e18);
        uint256 far = block.timestamp + 91 days;
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultInvalidSeries.selector, 3000e18, far));
        vault.createSeries(true, 3000e18, far, 0.8e18);
        vm.stopPrank();
    }

    function test_RevertWhen_CreateSeriesWithVolOutOfBounds() public {
        vm.prank(writer);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultInvalidVol.selector, 4e18, 0.1e18, 3e18));
        vault.createSeries(true, 3000e18, block.timestamp + 1 days, 4e18);
    }

    function test_RevertWhen_TooManySeries() public {
        for (uint256 i = 0; i < vault.MAX_OPEN_SERIES(); ++i) {
            _createSeries(true, 3000e18 + i * 1e18, 7 days);
        }
        vm.prank(writer);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultTooManySeries.selector, 16));
        vault.createSeries(true, 3000e18, block.timestamp + 1 days, 0.8e18);
    }

    function test_RevertWhen_CreateSeriesByNonWriter() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, lp, vault.WRITER_ROLE())
        );
        vm.prank(lp);
        vault.createSeries(true, 3000e18, block.timestamp + 1 days, 0.8e18);
    }

    // ----------------------------------------------------------------------------------------------- writing

    function test_WriteCollectsPremiumAndRecordsPosition() public {
        _deposit(lp, 1_000_000e6);
        uint256 id = _createSeries(true, 3000e18, 14 days);
        uint256 premium = lens.fairPremium(vault, id, 10e18);
        assertApproxEqRel(premium, 10 * 3000e6 * 0.8 * 0.4 * 0.1957, 0.01e18, "ATM call ~ 0.4 S sigma sqrt T");
        vm.expectEmit(address(vault));
        emit IOptionsVault.OptionWritten(id, writer, buyer, 10e18, premium);
        vm.prank(writer);
        vault.write(id, 10e18, premium, buyer);
        assertEq(vault.positionOf(id, buyer), 10e18);
        assertEq(vault.series(id).openSize, 10e18);
        assertEq(quote.balanceOf(address(vault)), 1_000_000e6 + premium);
        // Writing at fair value leaves the share price unchanged (premium == mark, up to rounding).
        assertApproxEqAbs(vault.totalAssets(), 1_000_000e6, 2);
    }

    function test_RevertWhen_PremiumBelowFairValue() public {
        _deposit(lp, 1_000_000e6);
        uint256 id = _createSeries(true, 3000e18, 14 days);
        uint256 fair = lens.fairPremium(vault, id, 10e18);
        vm.prank(writer);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultPremiumTooLow.selector, fair - 1, fair));
        vault.write(id, 10e18, fair - 1, buyer);
    }

    function test_RevertWhen_WriteBreaksCollateralRule() public {
        _deposit(lp, 10_000e6);
        uint256 id = _createSeries(true, 3000e18, 14 days);
        uint256 premium = lens.fairPremium(vault, id, 100e18);
        vm.prank(writer);
        vm.expectPartialRevert(IOptionsVault.VaultCollateralRuleViolated.selector);
        vault.write(id, 100e18, premium, buyer);
    }

    function test_RevertWhen_WriteZeroSizeOrHolder() public {
        uint256 id = _createSeries(true, 3000e18, 14 days);
        vm.startPrank(writer);
        vm.expectRevert(IOptionsVault.VaultZeroAmount.selector);
        vault.write(id, 0, 0, buyer);
        vm.expectRevert(IOptionsVault.VaultZeroAddress.selector);
        vault.write(id, 1e18, 1e9, address(0));
        vm.stopPrank();
    }

    function test_RevertWhen_WriteUnknownSeries() public {
        vm.prank(writer);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultUnknownSeries.selector, 7));
        vault.write(7, 1e18, 1e9, buyer);
    }

    function test_RevertWhen_WriteExpiredSeries() public {
        uint256 id = _createSeries(true, 3000e18, 1 days);
        uint256 expiry = block.timestamp + 1 days;
        vm.warp(expiry);
        vm.prank(writer);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultSeriesExpired.selector, id, expiry));
        vault.write(id, 1e18, 1e9, buyer);
    }

    function test_RevertWhen_WriteWhilePaused() public {
        uint256 id = _createSeries(true, 3000e18, 1 days);
        vm.prank(guardian);
        vault.pause();
        vm.prank(writer);
        vm.expectRevert(IOptionsVault.EnforcedPause.selector);
        vault.write(id, 1e18, 1e9, buyer);
    }

    // ----------------------------------------------------------------------------------------------- vol

    function test_SetVol() public {
        uint256 id = _createSeries(true, 3000e18, 1 days);
        vm.expectEmit(address(vault));
        emit IOptionsVault.VolUpdated(id, 0.8e18, 1.2e18);
        vm.prank(volSetter);
        vault.setVol(id, 1.2e18);
        assertEq(vault.series(id).vol, 1.2e18);
    }

    function test_RevertWhen_SetVolOutOfBounds() public {
        uint256 id = _createSeries(true, 3000e18, 1 days);
        vm.prank(volSetter);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultInvalidVol.selector, 0.05e18, 0.1e18, 3e18));
        vault.setVol(id, 0.05e18);
    }

    function test_RevertWhen_SetVolAfterExpiry() public {
        uint256 id = _createSeries(true, 3000e18, 1 days);
        vm.warp(block.timestamp + 1 days);
        vm.prank(volSetter);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultSeriesExpired.selector, id, block.timestamp));
        vault.setVol(id, 1e18);
    }

    // ----------------------------------------------------------------------------------------------- settlement

    function test_SettleAndClaimPaysHolder() public {
        _deposit(lp, 1_000_000e6);
        uint256 id = _createSeries(true, 3000e18, 7 days);
        _write(id, 10e18);
        vm.warp(block.timestamp + 7 days);
        _setOracle(3250e18);
        uint80 round = feed.latestRound();
        vm.expectEmit(address(vault));
        emit IOptionsVault.SeriesSettled(id, round, 3250e18, 250e18, 2500e6);
        vault.settle(id, round);
        assertEq(vault.reservedPayouts(), 2500e6);
        assertEq(vault.openSeries().length, 0);
        vm.prank(buyer);
        uint256 paid = vault.claim(id);
        assertEq(paid, 2500e6);
        assertEq(quote.balanceOf(buyer), 2500e6);
        assertEq(vault.reservedPayouts(), 0);
        assertEq(vault.positionOf(id, buyer), 0);
    }

    function test_SettleOutOfTheMoneyPaysNothing() public {
        _deposit(lp, 1_000_000e6);
        uint256 id = _createSeries(false, 2800e18, 7 days);
        _write(id, 10e18);
        vm.warp(block.timestamp + 7 days);
        _setOracle(3000e18);
        _settle(id);
        assertEq(vault.reservedPayouts(), 0);
        vm.prank(buyer);
        assertEq(vault.claim(id), 0);
    }

    function test_RevertWhen_SettleBeforeExpiry() public {
        uint256 id = _createSeries(true, 3000e18, 7 days);
        uint80 round = feed.latestRound();
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultSeriesNotExpired.selector, id, block.timestamp + 7 days));
        vault.settle(id, round);
    }

    /// @notice Before any round at or after expiry exists, the latest round is the only candidate and it is too
    /// early: nobody can settle on a pre-expiry price.
    function test_RevertWhen_SettleWithPriceFromBeforeExpiry() public {
        uint256 id = _createSeries(true, 3000e18, 30 minutes);
        uint256 updatedAt = block.timestamp;
        uint80 round = feed.latestRound();
        vm.warp(block.timestamp + 30 minutes);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.OracleRoundBeforeTime.selector, round, updatedAt, block.timestamp)
        );
        vault.settle(id, round);
    }

    /// @notice Rounds before, at and after expiry: only the one straddling expiry settles, at its own answer, however
    /// late settlement happens and whatever the latest price is.
    function test_SettleUsesTheRoundStraddlingExpiry() public {
        _deposit(lp, 1_000_000e6);
        uint256 id = _createSeries(true, 3000e18, 1 days);
        _write(id, 10e18);
        uint256 expiry = block.timestamp + 1 days;
        vm.warp(expiry - 10 minutes);
        _setOracle(3100e18); // last round before expiry
        uint80 before = feed.latestRound();
        vm.warp(expiry + 5 minutes);
        _setOracle(3200e18); // the straddling round
        uint80 straddling = feed.latestRound();
        vm.warp(expiry + 2 hours);
        _setOracle(3900e18); // later rounds: a caller waiting for a better price gains nothing
        _setOracle(3950e18);
        uint80 later = feed.latestRound();
        assertEq(_roundAfter(expiry), straddling);

        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.OracleRoundBeforeTime.selector, before, expiry - 10 minutes, expiry)
        );
        vault.settle(id, before);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.OracleRoundNotFirstAfterTime.selector, straddling + 1, expiry + 5 minutes, expiry
            )
        );
        vault.settle(id, straddling + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.OracleRoundNotFirstAfterTime.selector, later, expiry + 2 hours, expiry)
        );
        vault.settle(id, later);

        vm.expectEmit(address(vault));
        emit IOptionsVault.SeriesSettled(id, straddling, 3200e18, 200e18, 2000e6);
        vault.settle(id, straddling);
        assertEq(vault.series(id).payoffPerUnit, 200e18);
    }

    /// @notice A round updated exactly at expiry straddles it (updatedAt >= expiry, predecessor before).
    function test_SettleAtRoundUpdatedExactlyAtExpiry() public {
        uint256 id = _createSeries(false, 3000e18, 1 days);
        vm.warp(block.timestamp + 1 days);
        _setOracle(2900e18);
        uint80 round = feed.latestRound();
        vault.settle(id, round);
        assertEq(vault.series(id).payoffPerUnit, 100e18);
    }

    function test_RevertWhen_SettleWithUnknownRound() public {
        uint256 id = _createSeries(true, 3000e18, 1 days);
        vm.warp(block.timestamp + 1 days);
        _setOracle(3000e18);
        uint80 future = feed.latestRound() + 1;
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleRoundUnavailable.selector, future));
        vault.settle(id, future);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleRoundUnavailable.selector, uint80(0)));
        vault.settle(id, 0);
    }

    /// @notice The first round of a proxy phase has no same-phase predecessor: it cannot be verified.
    function test_RevertWhen_SettleWithFirstRoundOfPhase() public {
        MockAggregatorV3 fresh = new MockAggregatorV3(8, "ETH / USD", 3000e8);
        OracleAdapter freshAdapter = new OracleAdapter(IAggregatorV3(address(fresh)), IAggregatorV3(address(0)), 1 hours, 0);
        uint80 first = fresh.FIRST_ROUND_ID();
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleRoundUnavailable.selector, first - 1));
        freshAdapter.roundPriceAfter(block.timestamp, first);
    }

    function testFuzz_OnlyTheStraddlingRoundSettles(uint256 rounds, uint256 hintSeed, uint256 stepSeed) public {
        rounds = bound(rounds, 2, 12);
        uint256 id = _createSeries(true, 3000e18, 1 days);
        uint256 expiry = block.timestamp + 1 days;
        vm.warp(expiry - 3 hours);
        // Rounds spaced pseudo-randomly (possibly several per timestamp) across expiry.
        for (uint256 i = 0; i < rounds; ++i) {
            vm.warp(block.timestamp + (uint256(keccak256(abi.encode(stepSeed, i))) % 50 minutes));
            _setOracle(3000e18 + i * 1e18);
        }
        if (block.timestamp < expiry) {
            vm.warp(expiry);
            _setOracle(3000e18);
        }
        uint80 straddling = _roundAfter(expiry);
        uint80 hint = uint80(bound(hintSeed, feed.FIRST_ROUND_ID() + 1, feed.latestRound()));
        if (hint != straddling) {
            vm.expectPartialRevert(
                hint < straddling
                    ? IOracleAdapter.OracleRoundBeforeTime.selector
                    : IOracleAdapter.OracleRoundNotFirstAfterTime.selector
            );
        }
        vault.settle(id, hint);
    }

    function test_RevertWhen_SettleTwice() public {
        uint256 id = _createSeries(true, 3000e18, 1 days);
        vm.warp(block.timestamp + 1 days);
        _setOracle(3000e18);
        uint80 round = feed.latestRound();
        vault.settle(id, round);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultSeriesAlreadySettled.selector, id));
        vault.settle(id, round);
    }

    function test_RevertWhen_ClaimBeforeSettlement() public {
        _deposit(lp, 1_000_000e6);
        uint256 id = _createSeries(true, 3000e18, 1 days);
        _write(id, 1e18);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultSeriesNotSettled.selector, id));
        vault.claim(id);
    }

    function test_RevertWhen_ClaimWithoutPosition() public {
        uint256 id = _createSeries(true, 3000e18, 1 days);
        vm.warp(block.timestamp + 1 days);
        _setOracle(3000e18);
        _settle(id);
        vm.prank(lp);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultNothingToClaim.selector, id, lp));
        vault.claim(id);
    }

    // ----------------------------------------------------------------------------------------------- admin

    function test_PauseAndUnpause() public {
        vm.prank(guardian);
        vault.pause();
        assertTrue(vault.paused());
        vm.prank(admin);
        vault.unpause();
        assertFalse(vault.paused());
    }

    function test_PauseEmitsAndRevertsWhenRepeated() public {
        vm.expectEmit(address(vault));
        emit IOptionsVault.Paused(guardian);
        vm.prank(guardian);
        vault.pause();
        vm.prank(guardian);
        vm.expectRevert(IOptionsVault.EnforcedPause.selector);
        vault.pause();
        vm.expectEmit(address(vault));
        emit IOptionsVault.Unpaused(admin);
        vm.prank(admin);
        vault.unpause();
        vm.prank(admin);
        vm.expectRevert(IOptionsVault.ExpectedPause.selector);
        vault.unpause();
    }

    /// @notice Pausing keeps every configuration value: the flag shares a slot with the rebalance limits.
    function test_PauseKeepsConfiguration() public {
        IOptionsVault.RebalanceConfig memory before = vault.rebalanceConfig();
        IOptionsVault.WriteConfig memory writeBefore = vault.writeConfig();
        vm.prank(guardian);
        vault.pause();
        assertEq(abi.encode(vault.rebalanceConfig()), abi.encode(before));
        assertEq(abi.encode(vault.writeConfig()), abi.encode(writeBefore));
        vm.prank(admin);
        vault.setRebalanceConfig(_defaultRebalanceConfig());
        assertTrue(vault.paused(), "setting the limits keeps the pause");
    }

    function test_RevertWhen_GuardianUnpauses() public {
        vm.prank(guardian);
        vault.pause();
        vm.prank(guardian);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, guardian, bytes32(0))
        );
        vault.unpause();
    }

    function test_SetConfigsEmit() public {
        IOptionsVault.RebalanceConfig memory rc = _defaultRebalanceConfig();
        rc.cooldown = 1 minutes;
        vm.expectEmit(address(vault));
        emit IOptionsVault.RebalanceConfigSet(rc);
        vm.prank(admin);
        vault.setRebalanceConfig(rc);
        assertEq(vault.rebalanceConfig().cooldown, 1 minutes);

        IOptionsVault.DeltaConfig memory dc = _defaultDeltaConfig();
        dc.targetDelta = 1e18;
        vm.expectEmit(address(vault));
        emit IOptionsVault.DeltaConfigSet(dc);
        vm.prank(admin);
        vault.setDeltaConfig(dc);
        assertEq(vault.deltaConfig().targetDelta, 1e18);

        IOptionsVault.WriteConfig memory wc = _defaultWriteConfig();
        wc.stressBps = 3000;
        vm.expectEmit(address(vault));
        emit IOptionsVault.WriteConfigSet(wc);
        vm.prank(admin);
        vault.setWriteConfig(wc);
        assertEq(vault.writeConfig().stressBps, 3000);
    }

    function test_RevertWhen_RebalanceConfigInvalid() public {
        IOptionsVault.RebalanceConfig memory c = _defaultRebalanceConfig();
        c.maxDeviationBps = 0;
        _expectInvalidRebalanceConfig(c, "maxDeviationBps");
        c = _defaultRebalanceConfig();
        c.maxSlippageBps = 1001;
        _expectInvalidRebalanceConfig(c, "maxSlippageBps");
        c = _defaultRebalanceConfig();
        c.twapWindow = 10;
        _expectInvalidRebalanceConfig(c, "twapWindow");
        c = _defaultRebalanceConfig();
        c.cooldown = 2 days;
        _expectInvalidRebalanceConfig(c, "cooldown");
        c = _defaultRebalanceConfig();
        c.maxNotional = 0;
        _expectInvalidRebalanceConfig(c, "maxNotional");
    }

    function test_RevertWhen_DeltaConfigInvalid() public {
        IOptionsVault.DeltaConfig memory c = _defaultDeltaConfig();
        c.tolerance = 0;
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultInvalidConfig.selector, "tolerance"));
        vault.setDeltaConfig(c);
        c = _defaultDeltaConfig();
        c.urgentThreshold = c.tolerance;
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultInvalidConfig.selector, "urgentThreshold"));
        vault.setDeltaConfig(c);
    }

    function test_RevertWhen_WriteConfigInvalid() public {
        IOptionsVault.WriteConfig memory c = _defaultWriteConfig();
        c.stressBps = 10_000;
        _expectInvalidWriteConfig(c, "stressBps");
        c = _defaultWriteConfig();
        c.minVol = 0;
        _expectInvalidWriteConfig(c, "minVol");
        c = _defaultWriteConfig();
        c.maxVol = 11e18;
        _expectInvalidWriteConfig(c, "maxVol");
        c = _defaultWriteConfig();
        c.maxTimeToExpiry = 0;
        _expectInvalidWriteConfig(c, "maxTimeToExpiry");
    }

    function test_SetDeltaBudget() public {
        vm.expectEmit(address(vault));
        emit IOptionsVault.DeltaBudgetSet(keeper, 1000e18, 5e18);
        vm.prank(admin);
        vault.setDeltaBudget(keeper, 5e18);
        assertEq(vault.deltaBudget(keeper), 5e18);
    }

    function test_RevertWhen_SetDeltaBudgetForZeroAddress() public {
        vm.prank(admin);
        vm.expectRevert(IOptionsVault.VaultZeroAddress.selector);
        vault.setDeltaBudget(address(0), 1);
    }

    function test_Views() public view {
        assertEq(address(vault.oracle()), address(adapter));
        assertEq(vault.underlying(), address(weth));
        assertEq(vault.swapRouter(), address(router));
        assertEq(vault.pool(), address(pool));
        assertEq(vault.lastRebalanceAt(), 0);
        assertTrue(vault.supportsInterface(type(IOptionsVault).interfaceId));
    }

    function _expectInvalidRebalanceConfig(IOptionsVault.RebalanceConfig memory c, string memory name) internal {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultInvalidConfig.selector, name));
        vault.setRebalanceConfig(c);
    }

    function _expectInvalidWriteConfig(IOptionsVault.WriteConfig memory c, string memory name) internal {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultInvalidConfig.selector, name));
        vault.setWriteConfig(c);
    }
}
