// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {Vm, console2} from "forge-std/Test.sol";

import {IOptionsVault} from "../../src/interfaces/IOptionsVault.sol";
import {IOptionsVaultLens} from "../../src/interfaces/IOptionsVaultLens.sol";
import {IOracleAdapter} from "../../src/interfaces/IOracleAdapter.sol";
import {PoolMath} from "../utils/UniswapV3Fixture.sol";
import {VaultTestBase} from "../utils/VaultTestBase.sol";

/// @dev forge cheatcode that forge-std's bundled `Vm` does not declare yet.
interface IGasCheats {
    /// Marks one storage slot warm.
    function warmSlot(address target, bytes32 slot) external;
    /// Marks an account and every storage slot of it cold, as at the start of a transaction.
    function cool(address target) external;
}

/// @notice `rebalance` on real Uniswap V3 bytecode (factory, pool, SwapRouter from the npm artifacts): every bound the
/// vault enforces, with a USDC-style quote here and a USDT-style one in `RebalanceUsdtTest`.
contract RebalanceTest is VaultTestBase {
    /// @dev Regression bounds of test_GasOverheadOverBareSwap, a little above the measured figures.
    uint256 internal constant COLD_OVERHEAD_BOUND = 80_000;
    uint256 internal constant WARM_OVERHEAD_BOUND = 52_000;

    uint256 internal callId;

    function setUp() public override {
        super.setUp();
        _deposit(lp, 1_000_000e6);
        callId = _createSeries(true, 3000e18, 14 days);
        _write(callId, 100e18); // delta ~ -53 WETH: the vault must buy underlying
    }

    function _delta() internal view returns (int256 d) {
        (d,) = lens.portfolioDelta(vault);
    }

    // ------------------------------------------------------------------------------------------------ happy paths

    function test_RebalanceBuysUnderlyingTowardTarget() public {
        int256 before = _delta();
        assertLt(before, -50e18);
        uint256 quoteIn = 60_000e6;
        uint256 out = _rebalance(true, quoteIn);
        int256 afterDelta = _delta();
        assertEq(afterDelta, before + int256(out), "delta moves by the underlying bought");
        assertLt(_abs(afterDelta), _abs(before));
        assertEq(weth.balanceOf(address(vault)), out);
        assertEq(vault.deltaBudget(keeper), 1000e18 - out, "budget consumed by the delta moved");
        assertEq(vault.lastRebalanceAt(), block.timestamp);
        assertEq(quote.allowance(address(vault), address(router)), 0, "no allowance left behind");
    }

    function test_RebalanceEventFields() public {
        int256 before = _delta();
        uint256 expectedOut = _quoteExactIn(true, 30_000e6);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IOptionsVault.Rebalanced(
            keeper, true, 30_000e6, expectedOut, 3000e18, before, before + int256(expectedOut), 1000e18 - expectedOut
        );
        _rebalance(true, 30_000e6);
    }

    function test_RebalanceSellsUnderlyingWhenOverHedged() public {
        _rebalance(true, 150_000e6); // ~ fully hedged at 3000
        _moveMarket(2800e18); // call delta falls: the vault now holds too much WETH
        int256 before = _delta();
        assertGt(before, 0.5e18);
        uint256 sellAmount = uint256(before) / 2;
        vm.prank(keeper);
        (uint256 amountIn, uint256 amountOut) = vault.rebalance(_params(false, sellAmount));
        assertEq(amountIn, sellAmount);
        assertGt(amountOut, 0);
        assertEq(_delta(), before - int256(sellAmount));
        assertEq(weth.allowance(address(vault), address(router)), 0);
    }

    function test_KeeperPriceLimitStopsSwapEarlyAndAllowanceIsCleared() public {
        // A limit just above spot: the swap fills part of amountIn and stops.
        uint160 limit = PoolMath.sqrtPriceX96(3001e18, underlyingIsToken0, 18, 6);
        IOptionsVault.RebalanceParams memory p = _params(true, 150_000e6);
        p.sqrtPriceLimitX96 = limit;
        vm.prank(keeper);
        (uint256 amountIn,) = vault.rebalance(p);
        assertLt(amountIn, 150_000e6, "partial fill");
        assertGt(amountIn, 0);
        assertEq(quote.allowance(address(vault), address(router)), 0, "left-over allowance cleared");
    }

    function test_ConsecutiveRebalancesWithExactApprovals() public {
        _rebalance(true, 20_000e6);
        _rebalance(true, 20_000e6); // urgent (|delta| >= 20): cooldown waived
        assertEq(quote.allowance(address(vault), address(router)), 0);
    }

    function test_BoundsViewDescribesAnAcceptableTrade() public {
        IOptionsVaultLens.RebalanceBounds memory b = lens.rebalanceBounds(vault, keeper);
        assertEq(b.oraclePrice, 3000e18);
        assertApproxEqRel(b.poolPrice, 3000e18, 1e14);
        assertApproxEqRel(b.twapPrice, 3000e18, 2e14);
        assertEq(b.delta, _delta());
        assertEq(b.targetDelta, 0);
        assertEq(b.tolerance, 0.5e18);
        assertTrue(b.urgent);
        assertEq(b.cooldownEndsAt, block.timestamp);
        assertEq(b.budget, 1000e18);
        assertEq(b.maxUnderlyingIn, 0);
        assertEq(b.maxQuoteIn, (uint256(-b.delta) + 0.5e18) * 3000 / 1e12);
        assertEq(b.config.maxNotional, 1_000_000e6);
        // Half the allowed move is accepted.
        _rebalance(true, b.maxQuoteIn / 2);
    }

    // ------------------------------------------------------------------------------------------------ reverts

    function testFuzz_RevertWhen_CallerIsNotKeeper(address caller) public {
        vm.assume(caller != keeper);
        bytes32 role = vault.KEEPER_ROLE();
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role));
        vault.rebalance(_params(true, 1000e6));
    }

    function test_RevertWhen_KeeperRoleUnset() public {
        bytes32 role = vault.KEEPER_ROLE();
        vm.prank(admin);
        vault.revokeRole(role, keeper);
        // Nobody holds the role: nobody can rebalance, not even the admin.
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, role));
        vault.rebalance(_params(true, 1000e6));
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, keeper, role));
        vault.rebalance(_params(true, 1000e6));
    }

    /// @notice The keeper flag the vault keeps beside each budget follows AccessControl: grant, revoke and renounce.
    function test_KeeperFlagFollowsGrantRevokeRenounce() public {
        bytes32 role = vault.KEEPER_ROLE();
        address second = makeAddr("secondKeeper");
        vm.prank(admin);
        vault.setDeltaBudget(second, 100e18);
        bytes memory unauthorized =
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, second, role);
        // A budget alone does not let anyone rebalance.
        vm.prank(second);
        vm.expectRevert(unauthorized);
        vault.rebalance(_params(true, 3000e6));

        vm.prank(admin);
        vault.grantRole(role, second);
        vm.prank(second);
        (, uint256 out) = vault.rebalance(_params(true, 3000e6));
        assertEq(vault.deltaBudget(second), 100e18 - out, "budget charged, flag untouched");

        vm.prank(second);
        vault.renounceRole(role, second);
        assertFalse(vault.hasRole(role, second));
        vm.prank(second);
        vm.expectRevert(unauthorized);
        vault.rebalance(_params(true, 3000e6));

        vm.startPrank(admin);
        vault.grantRole(role, second);
        vault.revokeRole(role, second);
        vm.stopPrank();
        vm.prank(second);
        vm.expectRevert(unauthorized);
        vault.rebalance(_params(true, 3000e6));
        assertEq(vault.deltaBudget(second), 100e18 - out, "role changes keep the budget");

        // Granting twice and revoking once leaves no role and no flag.
        vm.startPrank(admin);
        vault.grantRole(role, second);
        vault.grantRole(role, second);
        vault.revokeRole(role, second);
        vm.stopPrank();
        vm.prank(second);
        vm.expectRevert(unauthorized);
        vault.rebalance(_params(true, 3000e6));
    }

    function test_RevertWhen_DeltaBudgetAbove248Bits() public {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 248, 1 << 248));
        vault.setDeltaBudget(keeper, 1 << 248);
    }

    function test_RevertWhen_Paused() public {
        vm.prank(guardian);
        vault.pause();
        vm.prank(keeper);
        vm.expectRevert(IOptionsVault.EnforcedPause.selector);
        vault.rebalance(_params(true, 1000e6));
    }

    function test_RevertWhen_DeadlinePassed() public {
        IOptionsVault.RebalanceParams memory p = _params(true, 1000e6);
        p.deadline = block.timestamp - 1;
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultDeadlineExpired.selector, p.deadline, block.timestamp));
        vault.rebalance(p);
    }

    function test_RevertWhen_AmountIsZero() public {
        vm.prank(keeper);
        vm.expectRevert(IOptionsVault.VaultZeroAmount.selector);
        vault.rebalance(_params(true, 0));
    }

    function test_RevertWhen_OracleStale() public {
        uint256 updatedAt = block.timestamp;
        vm.warp(block.timestamp + 1 hours + 1);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.OracleStalePrice.selector, updatedAt, 1 hours));
        vault.rebalance(_params(true, 1000e6));
    }

    function test_RevertWhen_PoolSpotManipulated() public {
        _movePoolTo(3150e18); // +5 % in one block, oracle unchanged
        vm.prank(keeper);
        vm.expectPartialRevert(IOptionsVault.VaultPoolPriceDeviation.selector);
        vault.rebalance(_params(true, 1000e6));
    }

    function test_RevertWhen_TwapDeviatesThoughSpotIsBack() public {
        // Hold the pool 5 % off for the whole TWAP window, then put spot back next to the oracle.
        _movePoolTo(3150e18);
        vm.warp(block.timestamp + 300);
        _setOracle(3000e18);
        _movePoolTo(3000e18);
        vm.prank(keeper);
        vm.expectPartialRevert(IOptionsVault.VaultTwapDeviation.selector);
        vault.rebalance(_params(true, 1000e6));
    }

    function test_RevertWhen_WithinTolerance() public {
        IOptionsVault.DeltaConfig memory c = _defaultDeltaConfig();
        c.tolerance = 60e18;
        c.urgentThreshold = 70e18;
        vm.prank(admin);
        vault.setDeltaConfig(c);
        vm.prank(keeper);
        vm.expectPartialRevert(IOptionsVault.VaultWithinTolerance.selector);
        vault.rebalance(_params(true, 1000e6));
    }

    function test_RevertWhen_WrongDirection() public {
        weth.mint(address(vault), 10e18); // something to sell
        vm.prank(keeper);
        vm.expectPartialRevert(IOptionsVault.VaultWrongDirection.selector);
        vault.rebalance(_params(false, 1e18));
    }

    function test_RevertWhen_Overshoot() public {
        // ~100 WETH bought against a ~53 WETH short: far past the 0.5 WETH tolerance.
        vm.prank(keeper);
        vm.expectPartialRevert(IOptionsVault.VaultOvershoot.selector);
        vault.rebalance(_params(true, 300_000e6));
    }

    function test_RevertWhen_CooldownActiveAndNotUrgent() public {
        _rebalance(true, 120_000e6); // |delta| now well below the urgent threshold
        assertLt(_abs(_delta()), 20e18);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultCooldownActive.selector, block.timestamp + 10 minutes));
        vault.rebalance(_params(true, 1000e6));
        // After the cooldown it goes through.
        vm.warp(block.timestamp + 10 minutes);
        _setOracle(3000e18);
        _rebalance(true, 1000e6);
    }

    function test_UrgentDeviationWaivesCooldown() public {
        _rebalance(true, 3000e6);
        assertGe(_abs(_delta()), 20e18);
        _rebalance(true, 3000e6); // same block, no revert
    }

    function test_RevertWhen_NotionalCapExceeded() public {
        IOptionsVault.RebalanceConfig memory c = _defaultRebalanceConfig();
        c.maxNotional = 10_000e6;
        vm.prank(admin);
        vault.setRebalanceConfig(c);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IOptionsVault.VaultNotionalCapExceeded.selector, 10_001e6, 10_000e6));
        vault.rebalance(_params(true, 10_001e6));
    }

    function test_RevertWhen_DeltaBudgetExhausted() public {
        vm.prank(admin);
        vault.setDeltaBudget(keeper, 1e18);
        vm.prank(keeper);
        vm.expectPartialRevert(IOptionsVault.VaultDeltaBudgetExceeded.selector);
        vault.rebalance(_params(true, 6000e6)); // ~2 WETH
    }

    function test_RevertWhen_KeeperMinimumNotMet() public {
        IOptionsVault.RebalanceParams memory p = _params(true, 30_000e6);
        p.minAmountOut = 11e18; // worth 33,000 USDC
        vm.prank(keeper);
        vm.expectRevert(bytes("Too little received"));
        vault.rebalance(p);
    }

    function test_RevertWhen_OutputBelowOracleFloor() public {
        // Pool 0.9 % rich (inside the 1 % deviation bound) and a 1 % slippage bound: the 0.3 % fee pushes the
        // execution price past the vault's floor, whatever minimum the keeper passed (zero here).
        IOptionsVault.RebalanceConfig memory c = _defaultRebalanceConfig();
        c.maxSlippageBps = 100;
        vm.prank(admin);
        vault.setRebalanceConfig(c);
        _movePoolTo(3027e18);
        vm.warp(block.timestamp + 1 hours);
        _setOracle(3000e18);
        vm.prank(keeper);
        vm.expectPartialRevert(IOptionsVault.VaultInsufficientOutput.selector);
        vault.rebalance(_params(true, 30_000e6));
    }

    // ------------------------------------------------------------------------------------------------ fuzz

    /// @notice Whatever the keeper asks, a rebalance that goes through moved delta toward the target, stayed within
    /// the tolerance when crossing it, consumed exactly the delta it moved from the budget and respected the cap.
    function testFuzz_RebalanceRespectsBounds(uint256 amountIn, uint256 budget, uint256 notionalCap) public {
        amountIn = bound(amountIn, 1e6, 400_000e6);
        budget = bound(budget, 0, 200e18);
        notionalCap = bound(notionalCap, 1e6, 500_000e6);
        IOptionsVault.RebalanceConfig memory c = _defaultRebalanceConfig();
        c.maxNotional = uint96(notionalCap);
        vm.startPrank(admin);
        vault.setRebalanceConfig(c);
        vault.setDeltaBudget(keeper, budget);
        vm.stopPrank();
        int256 before = _delta();
        vm.prank(keeper);
        try vault.rebalance(_params(true, amountIn)) returns (uint256 spent, uint256 received) {
            int256 afterDelta = _delta();
            assertLe(_abs(afterDelta), _abs(before), "never further from target");
            if (afterDelta > 0) assertLe(uint256(afterDelta), 0.5e18, "overshoot within tolerance");
            assertEq(vault.deltaBudget(keeper), budget - received, "budget charged with the delta moved");
            assertLe(spent, notionalCap, "notional cap");
            assertGe(received * 3000e6 / 1e18, spent * 9850 / 10_000 - 1, "oracle floor");
        } catch (bytes memory reason) {
            bytes4 selector = bytes4(reason);
            assertTrue(
                selector == IOptionsVault.VaultOvershoot.selector
                    || selector == IOptionsVault.VaultNotionalCapExceeded.selector
                    || selector == IOptionsVault.VaultDeltaBudgetExceeded.selector
                    || selector == IOptionsVault.VaultInsufficientOutput.selector,
                "only a bound may reject it"
            );
        }
    }

    // ------------------------------------------------------------------------------------------------ gas

    /// @notice Overhead of `rebalance` over a bare SwapRouter.exactInputSingle of the same 30,000-quote trade on the
    /// same pool, measured twice. Cold: every account and storage slot is cold, as for a transaction without an
    /// access list (each call runs first in this test's transaction, from the same snapshot). Warm: every account
    /// and slot either call touches is pre-warmed, as an EIP-2930 access list does (the list's own per-entry price is
    /// not counted). Figures are `vm.lastCallGas` of the top-level call (execution only: the 21,000 base and calldata
    /// are excluded) net of refunds capped at a fifth (EIP-3529). Both payers and both recipients already hold both
    /// tokens (a vault that has hedged before); the bare swap's payer has a standing max allowance, the vault
    /// approves exactly and clears it. The vault has one open series.
    function test_GasOverheadOverBareSwap() public {
        weth.mint(address(vault), 1e18); // earlier hedges: the output credit is a nonzero-to-nonzero write, as for the trader
        // The mint warmed the token and the vault's balance slot: cool them so each call below is the first of its
        // transaction (what a keeper sending it pays).
        IGasCheats(address(vm)).cool(address(weth));
        IGasCheats(address(vm)).cool(address(vault));
        uint256 amountIn = 30_000e6;
        uint256 snapshot = vm.snapshotState();
        uint256 vaultCold = _rebalanceGas(amountIn);
        vm.revertToState(snapshot);
        uint256 bareCold = _bareSwapGas(amountIn);
        vm.revertToState(snapshot);

        (address[] memory accounts, address[] memory slotOwners, bytes32[] memory slots) = _touched(amountIn);
        _warm(accounts, slotOwners, slots);
        uint256 vaultWarm = _rebalanceGas(amountIn);
        vm.revertToState(snapshot);
        _warm(accounts, slotOwners, slots);
        uint256 bareWarm = _bareSwapGas(amountIn);

        console2.log("cold: rebalance, bare exactInputSingle, overhead:", vaultCold, bareCold, vaultCold - bareCold);
        console2.log("warm: rebalance, bare exactInputSingle, overhead:", vaultWarm, bareWarm, vaultWarm - bareWarm);
        // Regression bounds on the overhead (see contracts/README.md for the breakdown).
        assertLt(vaultCold - bareCold, COLD_OVERHEAD_BOUND, "cold overhead");
        assertLt(vaultWarm - bareWarm, WARM_OVERHEAD_BOUND, "warm overhead");
    }

    function _rebalanceGas(uint256 amountIn) internal returns (uint256) {
        vm.prank(keeper);
        vault.rebalance(_params(true, amountIn));
        return _lastCallNetGas();
    }

    function _bareSwapGas(uint256 amountIn) internal returns (uint256) {
        vm.prank(trader);
        router.exactInputSingle(
            ISwapRouter.ExactInputSingleParams({
                tokenIn: address(quote),
                tokenOut: address(weth),
                fee: FEE,
                recipient: trader,
                deadline: block.timestamp + 60,
                amountIn: amountIn,
                amountOutMinimum: 0,
                sqrtPriceLimitX96: 0
            })
        );
        return _lastCallNetGas();
    }

    /// @dev Every account and storage slot the two calls touch (state-diff recording of a dry run of each).
    function _touched(uint256 amountIn)
        internal
        returns (address[] memory accounts, address[] memory slotOwners, bytes32[] memory slots)
    {
        uint256 snapshot = vm.snapshotState();
        vm.startStateDiffRecording();
        _rebalanceGas(amountIn);
        Vm.AccountAccess[] memory a = vm.stopAndReturnStateDiff();
        vm.revertToState(snapshot);
        vm.startStateDiffRecording();
        _bareSwapGas(amountIn);
        Vm.AccountAccess[] memory b = vm.stopAndReturnStateDiff();
        vm.revertToState(snapshot);

        uint256 nAccounts;
        uint256 nSlots;
        accounts = new address[](a.length + b.length);
        slotOwners = new address[](512);
        slots = new bytes32[](512);
        for (uint256 k = 0; k < a.length + b.length; ++k) {
            Vm.AccountAccess memory access = k < a.length ? a[k] : b[k - a.length];
            if (access.account == address(vm) || access.account == CONSOLE) continue;
            nAccounts = _pushAccount(accounts, nAccounts, access.account);
            for (uint256 j = 0; j < access.storageAccesses.length; ++j) {
                Vm.StorageAccess memory sa = access.storageAccesses[j];
                slotOwners[nSlots] = sa.account;
                slots[nSlots++] = sa.slot;
            }
        }
        assembly ("memory-safe") {
            mstore(accounts, nAccounts)
            mstore(slotOwners, nSlots)
            mstore(slots, nSlots)
        }
    }

    function _pushAccount(address[] memory list, uint256 n, address account) internal pure returns (uint256) {
        for (uint256 i = 0; i < n; ++i) {
            if (list[i] == account) return n;
        }
        list[n] = account;
        return n + 1;
    }

    /// @dev Warms every touched account and storage slot.
    function _warm(address[] memory accounts, address[] memory slotOwners, bytes32[] memory slots) internal {
        for (uint256 i = 0; i < accounts.length; ++i) {
            _touch(accounts[i]);
        }
        for (uint256 i = 0; i < slots.length; ++i) {
            IGasCheats(address(vm)).warmSlot(slotOwners[i], slots[i]);
        }
    }

    /// @dev BALANCE adds the account to this transaction's access list.
    function _touch(address account) internal view returns (uint256) {
        return account.balance;
    }

    /// @dev Gas of the last top-level call net of its refund, capped at a fifth as a transaction would get.
    function _lastCallNetGas() internal view returns (uint256) {
        uint256 raw = vm.lastCallGas().gasTotalUsed;
        int256 refund = vm.lastCallGas().gasRefunded;
        uint256 capped = refund > 0 ? uint256(refund) : 0;
        if (capped > raw / 5) capped = raw / 5; // EIP-3529 cap
        return raw - capped;
    }

    /// @dev Output of an exact-input trade now, without moving state.
    function _quoteExactIn(bool buyUnderlying, uint256 amountIn) internal returns (uint256 out) {
        uint256 snapshot = vm.snapshotState();
        vm.prank(keeper);
        (, out) = vault.rebalance(_params(buyUnderlying, amountIn));
        vm.revertToState(snapshot);
    }
}

/// @notice The same suite with a USDT-style quote token (no return values, approve from non-zero reverts).
contract RebalanceUsdtTest is RebalanceTest {
    function _useUsdt() internal pure override returns (bool) {
        return true;
    }
}
