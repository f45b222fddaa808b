// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {Test} from "forge-std/Test.sol";

import {OptionsVault} from "../../src/OptionsVault.sol";
import {OracleAdapter} from "../../src/OracleAdapter.sol";
import {IAggregatorV3} from "../../src/interfaces/IAggregatorV3.sol";
import {IOptionsVault} from "../../src/interfaces/IOptionsVault.sol";
import {OptionsVaultLens} from "../../src/periphery/OptionsVaultLens.sol";
import {MockAggregatorV3} from "../mocks/MockAggregatorV3.sol";
import {MockERC20} from "../mocks/MockERC20.sol";
import {MockUSDT} from "../mocks/MockUSDT.sol";
import {LiquidityProvider, PoolMath, UniswapV3Deployer} from "./UniswapV3Fixture.sol";

/// @notice The full stack on real Uniswap V3 bytecode: WETH-like underlying (18 decimals), USDC- or USDT-like quote
/// (6 decimals), a 0.3 % pool at 3000 with deep full-range liquidity, a Chainlink-shaped mock feed (8 decimals).
abstract contract VaultTestBase is Test {
    uint24 internal constant FEE = 3000;
    int24 internal constant FULL_RANGE_LOWER = -887_220;
    int24 internal constant FULL_RANGE_UPPER = 887_220;
    uint256 internal constant INITIAL_PRICE = 3000e18;
    uint256 internal constant START_TIME = 1_700_000_000;

    address internal admin = makeAddr("admin");
    address internal guardian = makeAddr("guardian");
    address internal keeper = makeAddr("keeper");
    address internal writer = makeAddr("writer");
    address internal volSetter = makeAddr("volSetter");
    address internal lp = makeAddr("lp");
    address internal buyer = makeAddr("buyer");
    address internal trader = makeAddr("trader");

    IERC20 internal quote;
    MockERC20 internal weth;
    MockAggregatorV3 internal feed;
    OracleAdapter internal adapter;
    IUniswapV3Factory internal factory;
    ISwapRouter internal router;
    IUniswapV3Pool internal pool;
    OptionsVault internal vault;
    OptionsVaultLens internal lens;
    bool internal underlyingIsToken0;

    /// @dev Override to run the same suite with a USDT-style quote token.
    function _useUsdt() internal pure virtual returns (bool) {
        return false;
    }

    function setUp() public virtual {
        vm.warp(START_TIME);
        quote = _useUsdt()
            ? IERC20(address(new MockUSDT()))
            : IERC20(address(new MockERC20("USD Coin (mock)", "USDC", 6)));
        weth = new MockERC20("Wrapped Ether (mock)", "WETH", 18);
        feed = new MockAggregatorV3(8, "ETH / USD", int256(INITIAL_PRICE / 1e10));
        adapter = new OracleAdapter(IAggregatorV3(address(feed)), IAggregatorV3(address(0)), 1 hours, 0);

        factory = UniswapV3Deployer.deployFactory();
        router = UniswapV3Deployer.deployRouter(factory, makeAddr("weth9"));
        pool = IUniswapV3Pool(factory.createPool(address(weth), address(quote), FEE));
        underlyingIsToken0 = pool.token0() == address(weth);
        pool.initialize(PoolMath.sqrtPriceX96(INITIAL_PRICE, underlyingIsToken0, 18, 6));
        pool.increaseObservationCardinalityNext(64);
        LiquidityProvider provider = new LiquidityProvider();
        _mintQuote(address(provider), 1_000_000_000e6);
        weth.mint(address(provider), 300_000e18);
        // About 20,000 WETH and 60,000,000 USDC of full-range depth at 3000.
        provider.mint(pool, FULL_RANGE_LOWER, FULL_RANGE_UPPER, 1_100_000_000_000_000_000);
        // Let the TWAP window fill.
        vm.warp(block.timestamp + 1 hours);
        feed.setAnswer(int256(INITIAL_PRICE / 1e10));

        vault = new OptionsVault(
            OptionsVault.InitParams({
                quote: IERC20Metadata(address(quote)),
                underlying: IERC20Metadata(address(weth)),
                oracle: adapter,
                router: router,
                pool: pool,
                admin: admin,
                name: "Options Vault Share",
                symbol: "ovUSD",
                rebalanceConfig: _defaultRebalanceConfig(),
                deltaConfig: _defaultDeltaConfig(),
                writeConfig: _defaultWriteConfig()
            })
        );
        lens = new OptionsVaultLens();
        vm.startPrank(admin);
        vault.grantRole(vault.GUARDIAN_ROLE(), guardian);
        vault.grantRole(vault.KEEPER_ROLE(), keeper);
        vault.grantRole(vault.WRITER_ROLE(), writer);
        vault.grantRole(vault.VOL_SETTER_ROLE(), volSetter);
        vault.setDeltaBudget(keeper, 1000e18);
        vm.stopPrank();

        _mintQuote(writer, 10_000_000e6);
        _approveQuote(writer, address(vault), type(uint256).max);
        _mintQuote(trader, 100_000_000e6);
        weth.mint(trader, 100_000e18);
        _approveQuote(trader, address(router), type(uint256).max);
        vm.prank(trader);
        weth.approve(address(router), type(uint256).max);
    }

    function _defaultRebalanceConfig() internal pure returns (IOptionsVault.RebalanceConfig memory) {
        return IOptionsVault.RebalanceConfig({
            maxDeviationBps: 100,
            maxSlippageBps: 150,
            twapWindow: 300,
            cooldown: 10 minutes,
            maxNotional: 1_000_000e6
        });
    }

    function _defaultDeltaConfig() internal pure returns (IOptionsVault.DeltaConfig memory) {
        return IOptionsVault.DeltaConfig({targetDelta: 0, tolerance: 0.5e18, urgentThreshold: 20e18});
    }

    function _defaultWriteConfig() internal pure returns (IOptionsVault.WriteConfig memory) {
        return IOptionsVault.WriteConfig({stressBps: 2500, minVol: 0.1e18, maxVol: 3e18, maxTimeToExpiry: 90 days});
    }

    // ----------------------------------------------------------------------------------------------------- helpers

    function _mintQuote(address to, uint256 amount) internal {
        if (_useUsdt()) MockUSDT(address(quote)).mint(to, amount);
        else MockERC20(address(quote)).mint(to, amount);
    }

    function _approveQuote(address owner, address spender, uint256 amount) internal {
        vm.prank(owner);
        (bool ok,) = address(quote).call(abi.encodeCall(IERC20.approve, (spender, amount)));
        require(ok, "approve failed");
    }

    function _deposit(address who, uint256 assets) internal returns (uint256 shares) {
        _mintQuote(who, assets);
        _approveQuote(who, address(vault), assets);
        vm.prank(who);
        shares = vault.deposit(assets, who);
    }

    function _createSeries(bool isCall, uint256 strike, uint256 expiryIn) internal returns (uint256 id) {
        vm.prank(writer);
        id = vault.createSeries(isCall, strike, block.timestamp + expiryIn, 0.8e18);
    }

    function _write(uint256 id, uint256 size) internal returns (uint256 premium) {
        premium = lens.fairPremium(vault, id, size);
        vm.prank(writer);
        vault.write(id, size, premium, buyer);
    }

    /// @dev The feed round straddling `time` (first with updatedAt >= time, predecessor before it), searched
    /// backward from the latest round as a keeper would; reverts when no round at or after `time` exists yet.
    function _roundAfter(uint256 time) internal view returns (uint80 roundId) {
        roundId = feed.latestRound();
        (,,, uint256 updatedAt,) = feed.getRoundData(roundId);
        require(updatedAt >= time, "no round at or after time");
        while (roundId > feed.FIRST_ROUND_ID()) {
            (,,, uint256 previousUpdatedAt,) = feed.getRoundData(roundId - 1);
            if (previousUpdatedAt < time) break;
            --roundId;
        }
    }

    /// @dev Settles `id` with the round straddling its expiry.
    function _settle(uint256 id) internal {
        vault.settle(id, _roundAfter(vault.series(id).expiry));
    }

    /// @dev Publishes an oracle answer now (WAD price).
    function _setOracle(uint256 priceWad) internal {
        feed.setAnswer(int256(priceWad / 1e10));
    }

    /// @dev Moves the pool to `priceWad` with a large swap bounded by the price limit.
    function _movePoolTo(uint256 priceWad) internal {
        (uint160 current,,,,,,) = pool.slot0();
        uint160 target = PoolMath.sqrtPriceX96(priceWad, underlyingIsToken0, 18, 6);
        if (target == current) return;
        bool zeroForOne = target < current;
        address tokenIn = zeroForOne ? pool.token0() : pool.token1();
        address tokenOut = zeroForOne ? pool.token1() : pool.token0();
        vm.prank(trader);
        router.exactInputSingle(
            ISwapRouter.ExactInputSingleParams({
                tokenIn: tokenIn,
                tokenOut: tokenOut,
                fee: FEE,
                recipient: trader,
                deadline: block.timestamp,
                amountIn: 1e40,
                amountOutMinimum: 0,
                sqrtPriceLimitX96: target
            })
        );
    }

    /// @dev Moves oracle and pool together and lets the TWAP catch up.
    function _moveMarket(uint256 priceWad) internal {
        _movePoolTo(priceWad);
        vm.warp(block.timestamp + 1 hours);
        _setOracle(priceWad);
    }

    function _params(bool buyUnderlying, uint256 amountIn) internal view returns (IOptionsVault.RebalanceParams memory) {
        return IOptionsVault.RebalanceParams({
            buyUnderlying: buyUnderlying,
            amountIn: amountIn,
            minAmountOut: 0,
            sqrtPriceLimitX96: 0,
            deadline: block.timestamp + 60
        });
    }

    function _rebalance(bool buyUnderlying, uint256 amountIn) internal returns (uint256 amountOut) {
        vm.prank(keeper);
        (, amountOut) = vault.rebalance(_params(buyUnderlying, amountIn));
    }

    function _abs(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }
}
