// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {IOptionsVault} from "../../src/interfaces/IOptionsVault.sol";
import {MockERC20} from "../mocks/MockERC20.sol";
import {VaultTestBase} from "../utils/VaultTestBase.sol";
import {VaultHandler} from "./VaultHandler.sol";

/// @notice Handler-based invariants (Morpho Blue style), each named for what it protects.
contract VaultInvariantTest is VaultTestBase {
    VaultHandler internal handler;

    function setUp() public override {
        super.setUp();
        _deposit(lp, 2_000_000e6);
        handler = new VaultHandler(
            vault, lens, MockERC20(address(quote)), weth, feed, pool, router, admin, keeper, writer, trader
        );
        // The handler mints freely (mock tokens); give its writer and trader what they need.
        vm.prank(writer);
        quote.approve(address(vault), type(uint256).max);
        targetContract(address(handler));
    }

    /// @notice At the oracle price the vault can pay every holder: quote + underlying * S covers the reserved
    /// payouts plus every open series' payoff.
    function invariant_solventAtOraclePrice() public view {
        uint256 price = handler.oraclePrice();
        IOptionsVault.Series[] memory open = vault.openSeries();
        uint256 liabilities = vault.reservedPayouts();
        for (uint256 i = 0; i < open.length; ++i) {
            uint256 payoff = open[i].isCall
                ? (price > open[i].strike ? price - open[i].strike : 0)
                : (open[i].strike > price ? open[i].strike - price : 0);
            liabilities += open[i].openSize * payoff / 1e30 + 1;
        }
        uint256 assets = quote.balanceOf(address(vault)) + weth.balanceOf(address(vault)) * price / 1e30;
        assertGe(assets, liabilities, "insolvent at the oracle price");
    }

    /// @notice No rebalance ever left |delta - target| larger than before.
    function invariant_rebalanceNeverMovesDeltaAway() public view {
        assertFalse(handler.rebalanceWorsenedDelta());
    }

    /// @notice Only the keeper can rebalance.
    function invariant_onlyKeeperRebalances() public view {
        assertFalse(handler.strangerRebalanced());
    }

    /// @notice The delta budget is charged exactly and never exceeded between refills.
    function invariant_deltaBudgetNeverExceeded() public view {
        assertEq(vault.deltaBudget(keeper), handler.expectedBudget());
        assertLe(handler.consumedSinceRefill(), handler.lastRefill());
    }

    /// @notice Deposits, withdrawals and donations never lower the share price (no manipulation by donation,
    /// rounding always in the vault's favour).
    function invariant_sharePriceNotLoweredByFlowsOrDonations() public view {
        assertFalse(handler.sharePriceFell());
    }

    /// @notice Every refusal seen was one of the vault's documented bounds.
    function invariant_noUnexpectedRevert() public view {
        assertEq(handler.unexpectedRevert(), bytes(""));
    }

    /// @notice After every run: the run exercised the vault rather than silently skipping or reverting. Actions
    /// whose vault call reverts for an unexplained reason fail the run (`invariant_noUnexpectedRevert`); actions that
    /// return early without a vault call do not count as effective, and at least a third of the run's calls must have
    /// changed the vault or the market. Together with `test_HandlerReachesEveryAction` (every action succeeds from
    /// the suite's starting state) this makes a handler that silently does nothing fail the suite.
    /// @dev "Every action > 0 in every run" cannot be asserted: with 14 actions and 64 calls a run misses a given
    /// action with probability (13/14)^64 ~ 0.9 %, and settle/claim need an expiry inside the run.
    function afterInvariant() external view {
        uint256 total = handler.totalCalls();
        uint256 effective = handler.effectiveCalls();
        assertGt(total, 0, "the run called the handler");
        assertGe(effective * 3, total, "at most two thirds of a run's calls may be no-ops");
    }

    /// @notice Reachability: from the suite's starting state, every handler action changes the vault (or the
    /// market) at least once, so none of them is dead code behind an early return or a swallowed revert.
    function test_HandlerReachesEveryAction() public {
        handler.deposit(0, 100_000e6);
        handler.withdraw(0, 50);
        handler.redeem(0, 50);
        handler.donate(1e6, false);
        handler.createSeries(true, 10_000, 1 hours);
        handler.write(0, 10e18);
        handler.rebalance(50);
        handler.rebalanceAsStranger(address(0xbad), true, 1e6);
        handler.refillBudget(100e18);
        handler.moveOracle(100, true);
        handler.movePool(50, false);
        handler.warp(2 hours);
        handler.settle(0);
        handler.claim(1);
        for (uint256 i = 0; i < 14; ++i) {
            bytes32 action = handler.ACTIONS(i);
            assertGt(handler.calls(action), 0, string.concat("action not reached: ", string(abi.encodePacked(action))));
        }
        assertEq(handler.effectiveCalls(), handler.totalCalls(), "every call above changed something");
        assertEq(handler.unexpectedRevert(), bytes(""));
    }
}
