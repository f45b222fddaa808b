// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOptionsVault} from "./IOptionsVault.sol";

/// @title Read-only derived views over an `IOptionsVault`
/// @notice What a keeper, a writer or a dashboard computes from the vault's state: the bounds of an acceptable
/// rebalance, the portfolio delta, the collateral rule's values and the fair premium of a write. Stateless: one
/// deployment serves every vault. Every value is computed with the same `VaultMath` formulas the vault enforces, from
/// the vault's own getters, so a plan made with these views is accepted by the vault in the same block.
interface IOptionsVaultLens {
    /// @notice Everything a keeper needs to plan a rebalance that the vault will accept right now.
    /// @param oraclePrice Oracle price, WAD.
    /// @param poolPrice Pool spot price, WAD.
    /// @param twapPrice Pool TWAP over `twapWindow`, WAD.
    /// @param delta Portfolio delta now, underlying base units.
    /// @param targetDelta Target delta.
    /// @param tolerance Dead band and overshoot allowance.
    /// @param urgent Whether |delta - target| is at or above the urgent threshold (cooldown waived).
    /// @param cooldownEndsAt First timestamp at which a non-urgent rebalance is allowed.
    /// @param budget The keeper's remaining delta budget, underlying base units.
    /// @param maxQuoteIn Largest quote input the bounds allow when buying underlying (0 when selling is due).
    /// @param maxUnderlyingIn Largest underlying input the bounds allow when selling (0 when buying is due).
    /// @param config The rebalance configuration in force.
    struct RebalanceBounds {
        uint256 oraclePrice;
        uint256 poolPrice;
        uint256 twapPrice;
        int256 delta;
        int256 targetDelta;
        uint256 tolerance;
        bool urgent;
        uint256 cooldownEndsAt;
        uint256 budget;
        uint256 maxQuoteIn;
        uint256 maxUnderlyingIn;
        IOptionsVault.RebalanceConfig config;
    }

    /// @notice The bounds a rebalance by `keeper` must respect right now. Reverts when the oracle is unusable.
    function rebalanceBounds(IOptionsVault vault, address keeper) external view returns (RebalanceBounds memory);

    /// @notice Portfolio delta (underlying held minus the options' delta) at the oracle price.
    /// @return delta Underlying base units.
    /// @return oraclePrice The oracle price used, WAD.
    function portfolioDelta(IOptionsVault vault) external view returns (int256 delta, uint256 oraclePrice);

    /// @notice V(P-) and V(P+) of the collateral rule at the oracle price, quote base units.
    function collateralValues(IOptionsVault vault) external view returns (int256 valueAtLow, int256 valueAtHigh);

    /// @notice Black-Scholes value of `size` options of `seriesId` at the oracle price, quote base units, rounded up:
    /// the least premium `IOptionsVault.write` accepts in this block.
    function fairPremium(IOptionsVault vault, uint256 seriesId, uint256 size) external view returns (uint256);
}
