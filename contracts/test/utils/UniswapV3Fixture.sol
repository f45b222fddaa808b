// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3MintCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3MintCallback.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {Vm} from "forge-std/Vm.sol";

/// @notice Deploys the real Uniswap V3 bytecode from the npm artifacts (no 0.7.6 sources are compiled).
library UniswapV3Deployer {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    string internal constant FACTORY_ARTIFACT =
        "node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json";
    string internal constant ROUTER_ARTIFACT =
        "node_modules/@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json";

    function deployFactory() internal returns (IUniswapV3Factory) {
        return IUniswapV3Factory(VM.deployCode(FACTORY_ARTIFACT));
    }

    /// @param weth9 Only used by the router's ETH helpers; any address works for ERC-20 pairs.
    function deployRouter(IUniswapV3Factory factory, address weth9) internal returns (ISwapRouter) {
        return ISwapRouter(VM.deployCode(ROUTER_ARTIFACT, abi.encode(address(factory), weth9)));
    }
}

/// @notice Adds liquidity straight through `pool.mint`, paying from its own balance in the callback.
contract LiquidityProvider is IUniswapV3MintCallback {
    function mint(IUniswapV3Pool pool, int24 tickLower, int24 tickUpper, uint128 liquidity) external {
        pool.mint(address(this), tickLower, tickUpper, liquidity, abi.encode(pool));
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata data) external {
        IUniswapV3Pool pool = abi.decode(data, (IUniswapV3Pool));
        require(msg.sender == address(pool), "LiquidityProvider: not the pool");
        if (amount0Owed != 0) _pay(pool.token0(), address(pool), amount0Owed);
        if (amount1Owed != 0) _pay(pool.token1(), address(pool), amount1Owed);
    }

    function _pay(address token, address to, uint256 amount) private {
        // Low-level so USDT-style tokens (no return value) work too.
        (bool ok, bytes memory ret) = token.call(abi.encodeCall(IERC20.transfer, (to, amount)));
        require(ok && (ret.length == 0 || abi.decode(ret, (bool))), "LiquidityProvider: transfer failed");
    }
}

/// @notice Price conversions for test set-up (pool orientation aware).
library PoolMath {
    /// @notice sqrtPriceX96 of a pool whose WAD price (quote per whole underlying) is `priceWad`.
    function sqrtPriceX96(uint256 priceWad, bool underlyingIsToken0, uint8 underlyingDecimals, uint8 quoteDecimals)
        internal
        pure
        returns (uint160)
    {
        // raw price token1/token0 in base units.
        uint256 scale = 1e18 * 10 ** underlyingDecimals / 10 ** quoteDecimals;
        uint256 ratioX192 = underlyingIsToken0
            ? Math.mulDiv(priceWad, 1 << 192, scale)
            : Math.mulDiv(scale, 1 << 192, priceWad);
        return uint160(Math.sqrt(ratioX192));
    }
}
