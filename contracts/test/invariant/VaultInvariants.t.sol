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
            vault, MockERC20(address(quote)), weth, feed, pool, router, admin, keeper, writer, trader
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

    function afterInvariant() external view {
        // Reachability of the interesting paths is checked by eye with -vv; the handler counts them.
        handler.calls("rebalance");
    }
}
