// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

import {OptionsVault} from "../../src/OptionsVault.sol";
import {IOptionsVault} from "../../src/interfaces/IOptionsVault.sol";
import {IOptionsVaultLens} from "../../src/interfaces/IOptionsVaultLens.sol";
import {OptionsVaultLens} from "../../src/periphery/OptionsVaultLens.sol";
import {MockAggregatorV3} from "../mocks/MockAggregatorV3.sol";
import {MockERC20} from "../mocks/MockERC20.sol";
import {PoolMath} from "../utils/UniswapV3Fixture.sol";

/// @notice Drives the vault through deposits, withdrawals, donations, series creation, writes, oracle and pool moves,
/// time warps, rebalances (by the keeper and by strangers), settlements, claims and budget refills. Actions that the
/// vault may legitimately refuse are made through try/catch and only the refusals its bounds explain are accepted;
/// anything else sets `unexpectedRevert`, so the suite can run with fail_on_revert = true.
contract VaultHandler is CommonBase, StdCheats, StdUtils {
    uint256 internal constant MIN_PRICE = 2700e18;
    uint256 internal constant MAX_PRICE = 3300e18;

    OptionsVault internal immutable vault;
    OptionsVaultLens internal immutable lens;
    MockERC20 internal immutable quote;
    MockERC20 internal immutable weth;
    MockAggregatorV3 internal immutable feed;
    IUniswapV3Pool internal immutable pool;
    ISwapRouter internal immutable router;
    address internal immutable admin;
    address internal immutable keeper;
    address internal immutable writer;
    address internal immutable trader;
    bool internal immutable underlyingIsToken0;

    address[3] internal lps = [address(0x1001), address(0x1002), address(0x1003)];
    address internal constant BUYER = address(0x2001);

    uint256 public oraclePrice = 3000e18;
    uint256 public expectedBudget;
    uint256 public lastRefill;
    uint256 public consumedSinceRefill;
    bool public rebalanceWorsenedDelta;
    bool public strangerRebalanced;
    bool public sharePriceFell;
    bytes public unexpectedRevert;
    /// @notice Per action, how many calls changed the vault (or the market) as intended: the reachability
    /// evidence `afterInvariant` and `test_HandlerReachesEveryAction` check.
    mapping(bytes32 => uint256) public calls;
    /// @notice Handler calls made in this run, and how many of them changed something.
    uint256 public totalCalls;
    uint256 public effectiveCalls;

    /// @notice The actions `calls` counts, for reporting and reachability checks.
    bytes32[15] public ACTIONS = [
        bytes32("deposit"),
        "withdraw",
        "redeem",
        "donate",
        "createSeries",
        "write",
        "settle",
        "claim",
        "moveOracle",
        "movePool",
        "warp",
        "rebalance",
        "rebalanceAsStranger",
        "refillBudget",
        "rebalanceRefused"
    ];

    modifier counted() {
        ++totalCalls;
        _;
    }

    constructor(
        OptionsVault vault_,
        OptionsVaultLens lens_,
        MockERC20 quote_,
        MockERC20 weth_,
        MockAggregatorV3 feed_,
        IUniswapV3Pool pool_,
        ISwapRouter router_,
        address admin_,
        address keeper_,
        address writer_,
        address trader_
    ) {
        vault = vault_;
        lens = lens_;
        quote = quote_;
        weth = weth_;
        feed = feed_;
        pool = pool_;
        router = router_;
        admin = admin_;
        keeper = keeper_;
        writer = writer_;
        trader = trader_;
        underlyingIsToken0 = pool_.token0() == address(weth_);
        expectedBudget = vault_.deltaBudget(keeper_);
        lastRefill = expectedBudget;
    }

    // ------------------------------------------------------------------------------------------------ LPs

    function deposit(uint256 lpSeed, uint256 assets) external counted {
        _refreshOracle();
        address lp = lps[lpSeed % lps.length];
        assets = bound(assets, 1, 500_000e6);
        quote.mint(lp, assets);
        vm.prank(lp);
        quote.approve(address(vault), assets);
        (uint256 a0, uint256 s0) = _pps();
        vm.prank(lp);
        vault.deposit(assets, lp);
        _checkPps(a0, s0);
        calls["deposit"]++;
        ++effectiveCalls;
    }

    function withdraw(uint256 lpSeed, uint256 fraction) external counted {
        _refreshOracle();
        address lp = lps[lpSeed % lps.length];
        uint256 assets = vault.maxWithdraw(lp) * bound(fraction, 0, 100) / 100;
        if (assets == 0) return;
        (uint256 a0, uint256 s0) = _pps();
        vm.prank(lp);
        vault.withdraw(assets, lp, lp);
        _checkPps(a0, s0);
        calls["withdraw"]++;
        ++effectiveCalls;
    }

    function redeem(uint256 lpSeed, uint256 fraction) external counted {
        _refreshOracle();
        address lp = lps[lpSeed % lps.length];
        uint256 shares = vault.maxRedeem(lp) * bound(fraction, 0, 100) / 100;
        if (shares == 0 || vault.previewRedeem(shares) == 0) return;
        (uint256 a0, uint256 s0) = _pps();
        vm.prank(lp);
        vault.redeem(shares, lp, lp);
        _checkPps(a0, s0);
        calls["redeem"]++;
        ++effectiveCalls;
    }

    function donate(uint256 amount, bool underlying) external counted {
        _refreshOracle();
        (uint256 a0, uint256 s0) = _pps();
        if (underlying) weth.mint(address(vault), bound(amount, 1, 10e18));
        else quote.mint(address(vault), bound(amount, 1, 100_000e6));
        _checkPps(a0, s0);
        calls["donate"]++;
        ++effectiveCalls;
    }

    // ------------------------------------------------------------------------------------------------ options

    function createSeries(bool isCall, uint256 strikeBps, uint256 expiryIn) external counted {
        _refreshOracle();
        if (vault.openSeries().length >= 6) return;
        uint256 strike = oraclePrice * bound(strikeBps, 8000, 12_000) / 10_000;
        vm.prank(writer);
        vault.createSeries(isCall, strike, block.timestamp + bound(expiryIn, 1 hours, 30 days), 0.8e18);
        calls["createSeries"]++;
        ++effectiveCalls;
    }

    function write(uint256 seriesSeed, uint256 size) external counted {
        _refreshOracle();
        IOptionsVault.Series[] memory open = vault.openSeries();
        if (open.length == 0) return;
        IOptionsVault.Series memory s = open[seriesSeed % open.length];
        if (s.expiry <= block.timestamp) return;
        size = bound(size, 1e15, 50e18);
        uint256 premium = lens.fairPremium(vault, s.id, size);
        quote.mint(writer, premium);
        vm.prank(writer);
        quote.approve(address(vault), premium);
        vm.prank(writer);
        try vault.write(s.id, size, premium, BUYER) {
            calls["write"]++;
        ++effectiveCalls;
        } catch (bytes memory reason) {
            _allow(reason, IOptionsVault.VaultCollateralRuleViolated.selector);
        }
    }

    function settle(uint256 seriesSeed) external counted {
        _refreshOracle();
        IOptionsVault.Series[] memory open = vault.openSeries();
        if (open.length == 0) return;
        IOptionsVault.Series memory s = open[seriesSeed % open.length];
        if (s.expiry > block.timestamp) return;
        vault.settle(s.id, _roundAfter(s.expiry));
        calls["settle"]++;
        ++effectiveCalls;
    }

    function claim(uint256 seriesId) external counted {
        seriesId = bound(seriesId, 1, 64);
        if (vault.positionOf(seriesId, BUYER) == 0) return;
        try vault.series(seriesId) returns (IOptionsVault.Series memory s) {
            if (!s.settled) return;
        } catch {
            return;
        }
        vm.prank(BUYER);
        try vault.claim(seriesId) {
            calls["claim"]++;
        ++effectiveCalls;
        } catch (bytes memory reason) {
            _allow(reason, IOptionsVault.VaultInsufficientLiquidity.selector);
        }
    }

    // ------------------------------------------------------------------------------------------------ market

    /// @dev The oracle moves up to 2 % and arbitrageurs bring the pool along; prices stay in [2700, 3300], inside the
    /// collateral rule's 25 % stress band from any point of that range.
    function moveOracle(uint256 bps, bool up) external counted {
        bps = bound(bps, 0, 200);
        uint256 next = up ? oraclePrice * (10_000 + bps) / 10_000 : oraclePrice * (10_000 - bps) / 10_000;
        if (next < MIN_PRICE) next = MIN_PRICE;
        if (next > MAX_PRICE) next = MAX_PRICE;
        oraclePrice = next;
        _swapPoolTo(next);
        _refreshOracle();
        calls["moveOracle"]++;
        ++effectiveCalls;
    }

    /// @dev Noise trading: the pool alone moves up to 1.5 %.
    function movePool(uint256 bps, bool up) external counted {
        bps = bound(bps, 1, 150);
        _swapPoolTo(up ? oraclePrice * (10_000 + bps) / 10_000 : oraclePrice * (10_000 - bps) / 10_000);
        calls["movePool"]++;
        ++effectiveCalls;
    }

    function warp(uint256 seconds_) external counted {
        vm.warp(block.timestamp + bound(seconds_, 1, 6 hours));
        _refreshOracle();
        calls["warp"]++;
        ++effectiveCalls;
    }

    // ------------------------------------------------------------------------------------------------ hedging

    function rebalance(uint256 fraction) external counted {
        _refreshOracle();
        IOptionsVaultLens.RebalanceBounds memory b = lens.rebalanceBounds(vault, keeper);
        bool buy = b.maxQuoteIn != 0;
        uint256 maxIn = buy ? b.maxQuoteIn : b.maxUnderlyingIn;
        uint256 amountIn = maxIn * bound(fraction, 1, 100) / 100;
        if (amountIn == 0) return;
        int256 before = b.delta - b.targetDelta;
        vm.prank(keeper);
        try vault.rebalance(
            IOptionsVault.RebalanceParams({
                buyUnderlying: buy,
                amountIn: amountIn,
                minAmountOut: 0,
                sqrtPriceLimitX96: 0,
                deadline: block.timestamp
            })
        ) returns (uint256 spent, uint256 received) {
            (int256 afterDelta,) = lens.portfolioDelta(vault);
            int256 distanceAfter = afterDelta - b.targetDelta;
            if (_abs(distanceAfter) > _abs(before)) rebalanceWorsenedDelta = true;
            uint256 moved = buy ? received : spent;
            expectedBudget -= moved;
            consumedSinceRefill += moved;
            calls["rebalance"]++;
        ++effectiveCalls;
        } catch (bytes memory reason) {
            bytes4 selector = bytes4(reason);
            if (
                selector == IOptionsVault.VaultCooldownActive.selector
                    || selector == IOptionsVault.VaultPoolPriceDeviation.selector
                    || selector == IOptionsVault.VaultTwapDeviation.selector
                    || selector == IOptionsVault.VaultInsufficientOutput.selector
                    || selector == IOptionsVault.VaultOvershoot.selector
                    || selector == IOptionsVault.VaultDeltaBudgetExceeded.selector
                    || selector == IOptionsVault.VaultCollateralRuleViolated.selector
                    || keccak256(reason) == keccak256(abi.encodeWithSignature("Error(string)", "SPL"))
                    || keccak256(reason) == keccak256(abi.encodeWithSignature("Error(string)", "STF"))
            ) {
                calls["rebalanceRefused"]++;
            } else {
                unexpectedRevert = reason;
            }
        }
    }

    function rebalanceAsStranger(address caller, bool buy, uint256 amountIn) external counted {
        if (vault.hasRole(vault.KEEPER_ROLE(), caller)) return;
        amountIn = bound(amountIn, 1, 1e24);
        vm.prank(caller);
        try vault.rebalance(
            IOptionsVault.RebalanceParams({
                buyUnderlying: buy,
                amountIn: amountIn,
                minAmountOut: 0,
                sqrtPriceLimitX96: 0,
                deadline: block.timestamp
            })
        ) {
            strangerRebalanced = true;
        } catch {}
        calls["rebalanceAsStranger"]++;
        ++effectiveCalls;
    }

    function refillBudget(uint256 budget) external counted {
        budget = bound(budget, 0, 500e18);
        vm.prank(admin);
        vault.setDeltaBudget(keeper, budget);
        expectedBudget = budget;
        lastRefill = budget;
        consumedSinceRefill = 0;
        calls["refillBudget"]++;
        ++effectiveCalls;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    function _refreshOracle() internal {
        feed.setAnswer(int256(oraclePrice / 1e10));
    }

    /// @dev The feed round straddling `time`, found backward from the latest round as a keeper would.
    function _roundAfter(uint256 time) internal view returns (uint80 roundId) {
        roundId = feed.latestRound();
        while (roundId > feed.FIRST_ROUND_ID()) {
            (,,, uint256 previousUpdatedAt,) = feed.getRoundData(roundId - 1);
            if (previousUpdatedAt < time) break;
            --roundId;
        }
    }

    function _swapPoolTo(uint256 priceWad) internal {
        (uint160 current,,,,,,) = pool.slot0();
        uint160 target = PoolMath.sqrtPriceX96(priceWad, underlyingIsToken0, 18, 6);
        if (target == current) return;
        bool zeroForOne = target < current;
        (address token0, address token1) = (pool.token0(), pool.token1());
        uint24 fee = pool.fee();
        vm.prank(trader);
        router.exactInputSingle(
            ISwapRouter.ExactInputSingleParams({
                tokenIn: zeroForOne ? token0 : token1,
                tokenOut: zeroForOne ? token1 : token0,
                fee: fee,
                recipient: trader,
                deadline: block.timestamp,
                amountIn: 1e30,
                amountOutMinimum: 0,
                sqrtPriceLimitX96: target
            })
        );
    }

    /// @dev Share price as the pair (assets + 1, supply + 10^6) OpenZeppelin converts with.
    function _pps() internal view returns (uint256 assets, uint256 supply) {
        return (vault.totalAssets() + 1, vault.totalSupply() + 1e6);
    }

    function _checkPps(uint256 a0, uint256 s0) internal {
        (uint256 a1, uint256 s1) = _pps();
        // a1 / s1 >= a0 / s0, cross-multiplied.
        if (a1 * s0 < a0 * s1) sharePriceFell = true;
    }

    function _allow(bytes memory reason, bytes4 allowed) internal {
        if (bytes4(reason) != allowed) unexpectedRevert = reason;
    }

    function _abs(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }
}
