// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {IOptionsVault} from "../interfaces/IOptionsVault.sol";
import {IOptionsVaultLens} from "../interfaces/IOptionsVaultLens.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {BlackScholes} from "../libraries/BlackScholes.sol";
import {VaultMath} from "../libraries/VaultMath.sol";

/// @title OptionsVaultLens
/// @notice Stateless periphery: the derived views of `IOptionsVaultLens`, kept out of the vault so the vault stays
/// under EIP-170 and holds only state and the checks it enforces.
contract OptionsVaultLens is IOptionsVaultLens {
    using SafeCast for uint256;

    /// @dev The vault's state as the views need it.
    struct Snapshot {
        VaultMath.Market market;
        IUniswapV3Pool pool;
        uint256 price;
        uint256 quoteBalance;
        uint256 underlyingBalance;
        IOptionsVault.Series[] open;
    }

    /// @inheritdoc IOptionsVaultLens
    function rebalanceBounds(IOptionsVault vault, address keeper) external view returns (RebalanceBounds memory b) {
        Snapshot memory v = _snapshot(vault);
        IOptionsVault.RebalanceConfig memory limits = vault.rebalanceConfig();
        IOptionsVault.DeltaConfig memory target = vault.deltaConfig();
        b.oraclePrice = v.price;
        (uint160 sqrtPriceX96,,,,,,) = v.pool.slot0();
        b.poolPrice = VaultMath.priceFromSqrtX96(v.market, sqrtPriceX96);
        b.twapPrice = VaultMath.twapPrice(v.market, v.pool, limits.twapWindow);
        b.delta = _delta(v);
        b.targetDelta = target.targetDelta;
        b.tolerance = target.tolerance;
        uint256 distance = SignedMath.abs(b.delta - b.targetDelta);
        b.urgent = distance >= target.urgentThreshold;
        b.cooldownEndsAt =
            b.urgent ? block.timestamp : Math.max(block.timestamp, vault.lastRebalanceAt() + limits.cooldown);
        b.budget = vault.deltaBudget(keeper);
        b.config = limits;
        if (distance > target.tolerance) {
            // Largest move that neither overshoots past the tolerance nor exceeds the budget, then the notional cap.
            uint256 move = Math.min(distance + target.tolerance, b.budget);
            if (b.delta < b.targetDelta) {
                b.maxQuoteIn = Math.min(
                    VaultMath.quoteValue(v.market, move, v.price, Math.Rounding.Floor), limits.maxNotional
                );
            } else {
                b.maxUnderlyingIn = Math.min(
                    move, VaultMath.underlyingValue(v.market, limits.maxNotional, v.price, Math.Rounding.Floor)
                );
            }
        }
    }

    /// @inheritdoc IOptionsVaultLens
    function portfolioDelta(IOptionsVault vault) external view returns (int256 delta, uint256 oraclePrice) {
        Snapshot memory v = _snapshot(vault);
        return (_delta(v), v.price);
    }

    /// @inheritdoc IOptionsVaultLens
    function collateralValues(IOptionsVault vault) external view returns (int256 valueAtLow, int256 valueAtHigh) {
        Snapshot memory v = _snapshot(vault);
        uint256 stressBps = vault.writeConfig().stressBps;
        (uint256 low, uint256 high) = VaultMath.band(v.price, stressBps);
        uint256 liabilityLow;
        uint256 liabilityHigh;
        for (uint256 i = 0; i < v.open.length; ++i) {
            IOptionsVault.Series memory s = v.open[i];
            if (s.openSize == 0) continue;
            liabilityLow += VaultMath.payoffValue(v.market, s.isCall, s.openSize, low, s.strike);
            liabilityHigh += VaultMath.payoffValue(v.market, s.isCall, s.openSize, high, s.strike);
        }
        return VaultMath.edgeValues(
            v.market,
            v.price,
            stressBps,
            v.quoteBalance,
            v.underlyingBalance,
            vault.reservedPayouts(),
            liabilityLow,
            liabilityHigh
        );
    }

    /// @inheritdoc IOptionsVaultLens
    function fairPremium(IOptionsVault vault, uint256 seriesId, uint256 size) external view returns (uint256) {
        IOptionsVault.Series memory s = vault.series(seriesId);
        return VaultMath.markValue(_market(vault), s.isCall, size, _price(vault), s.strike, s.vol, s.expiry);
    }

    // ---------------------------------------------------------------------------------------------------- private

    function _snapshot(IOptionsVault vault) private view returns (Snapshot memory v) {
        v.market = _market(vault);
        v.pool = IUniswapV3Pool(vault.pool());
        v.price = _price(vault);
        v.quoteBalance = IERC20Metadata(IERC4626(address(vault)).asset()).balanceOf(address(vault));
        v.underlyingBalance = IERC20Metadata(vault.underlying()).balanceOf(address(vault));
        v.open = vault.openSeries();
    }

    /// @dev Underlying held minus the options' delta, as `OptionsVault.rebalance` computes it.
    function _delta(Snapshot memory v) private view returns (int256 delta) {
        delta = v.underlyingBalance.toInt256();
        for (uint256 i = 0; i < v.open.length; ++i) {
            IOptionsVault.Series memory s = v.open[i];
            if (s.openSize == 0) continue;
            delta -= VaultMath.optionDelta(s.isCall, s.openSize, v.price, s.strike, s.vol, s.expiry);
        }
    }

    function _market(IOptionsVault vault) private view returns (VaultMath.Market memory) {
        IERC20Metadata quote = IERC20Metadata(IERC4626(address(vault)).asset());
        IERC20Metadata underlying = IERC20Metadata(vault.underlying());
        bool underlyingIsToken0 = IUniswapV3Pool(vault.pool()).token0() == address(underlying);
        return VaultMath.market(quote.decimals(), underlying.decimals(), underlyingIsToken0);
    }

    /// @dev The oracle price as the vault accepts it (reverts like the vault when unusable or out of domain).
    function _price(IOptionsVault vault) private view returns (uint256 price) {
        (price,) = vault.oracle().latestPrice();
        if (price < BlackScholes.MIN_PRICE || price > BlackScholes.MAX_PRICE) {
            revert IOracleAdapter.OracleNonPositiveAnswer(price.toInt256());
        }
    }
}
