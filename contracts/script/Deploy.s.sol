// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {Script} from "forge-std/Script.sol";

import {OptionsVault} from "../src/OptionsVault.sol";
import {OracleAdapter} from "../src/OracleAdapter.sol";
import {IAggregatorV3} from "../src/interfaces/IAggregatorV3.sol";
import {IOptionsVault} from "../src/interfaces/IOptionsVault.sol";
import {OptionsVaultLens} from "../src/periphery/OptionsVaultLens.sol";
import {MockAggregatorV3} from "../test/mocks/MockAggregatorV3.sol";
import {MockERC20} from "../test/mocks/MockERC20.sol";
import {LiquidityProvider, PoolMath} from "../test/utils/UniswapV3Fixture.sol";

/// @notice Deploys the vault stack and writes every address to config/<name>.json. `OptionsVault` links the external
/// library `OptionsBook`; forge deploys it first in the same broadcast and links it (its address is in the broadcast
/// log under build/broadcast).
///
/// Local (default, `DEPLOY_MODE` unset or "local"): mock WETH and USDC, Uniswap V3 factory and SwapRouter from the
/// npm artifacts, a 0.3 % pool at 3000 with full-range liquidity, a mock Chainlink feed, the adapter, the vault, and
/// roles for the `KEEPER`, `GUARDIAN`, `WRITER` and `VOL_SETTER` addresses (default: the broadcaster). Writes
/// config/anvil-deployment.json.
///
/// Testnet (`DEPLOY_MODE=testnet`): only the adapter, the vault (with its library) and the lens, over existing `QUOTE`,
/// `UNDERLYING`, `ROUTER`, `POOL`, `FEED` (and optional `FACTORY`, `SEQUENCER_FEED`, `STALENESS_LIMIT`,
/// `GRACE_PERIOD`, `LENS`, `ADMIN`, role holders). Writes config/<chain id>-deployment.json, or
/// config/<DEPLOYMENT_NAME>.json when set.
contract Deploy is Script {
    struct Deployment {
        address quote;
        address underlying;
        address factory;
        address router;
        address pool;
        address feed;
        address adapter;
        address vault;
        address lens;
    }

    uint256 internal constant INITIAL_PRICE = 3000e18;
    int256 internal constant INITIAL_ANSWER = 3000e8; // INITIAL_PRICE with the feed's 8 decimals

    function run() external returns (Deployment memory d) {
        bool local = keccak256(bytes(vm.envOr("DEPLOY_MODE", string("local")))) == keccak256("local");
        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        d = local ? _deployLocalMarket(deployer) : _existingMarket();
        d.adapter = address(
            new OracleAdapter(
                IAggregatorV3(d.feed),
                IAggregatorV3(vm.envOr("SEQUENCER_FEED", address(0))),
                vm.envOr("STALENESS_LIMIT", uint256(1 hours)),
                vm.envOr("GRACE_PERIOD", uint256(0))
            )
        );
        OptionsVault vault = new OptionsVault(
            OptionsVault.InitParams({
                quote: IERC20Metadata(d.quote),
                underlying: IERC20Metadata(d.underlying),
                oracle: OracleAdapter(d.adapter),
                router: ISwapRouter(d.router),
                pool: IUniswapV3Pool(d.pool),
                admin: vm.envOr("ADMIN", deployer),
                name: "Options Vault Share",
                symbol: "ovUSD",
                rebalanceConfig: IOptionsVault.RebalanceConfig({
                    maxDeviationBps: 100,
                    maxSlippageBps: 150,
                    twapWindow: 300,
                    cooldown: 10 minutes,
                    maxNotional: uint96(1_000_000 * 10 ** IERC20Metadata(d.quote).decimals())
                }),
                deltaConfig: IOptionsVault.DeltaConfig({
                    targetDelta: 0,
                    tolerance: uint80(10 ** IERC20Metadata(d.underlying).decimals() / 2),
                    urgentThreshold: uint80(20 * 10 ** IERC20Metadata(d.underlying).decimals())
                }),
                writeConfig: IOptionsVault.WriteConfig({stressBps: 2500, minVol: 0.1e18, maxVol: 3e18, maxTimeToExpiry: 90 days})
            })
        );
        d.vault = address(vault);
        // Stateless; a chain that already has one may reuse it (LENS=<address>).
        d.lens = vm.envOr("LENS", address(0));
        if (d.lens == address(0)) d.lens = address(new OptionsVaultLens());
        if (vm.envOr("ADMIN", deployer) == deployer) {
            vault.grantRole(vault.KEEPER_ROLE(), vm.envOr("KEEPER", deployer));
            vault.grantRole(vault.GUARDIAN_ROLE(), vm.envOr("GUARDIAN", deployer));
            vault.grantRole(vault.WRITER_ROLE(), vm.envOr("WRITER", deployer));
            vault.grantRole(vault.VOL_SETTER_ROLE(), vm.envOr("VOL_SETTER", deployer));
            vault.setDeltaBudget(vm.envOr("KEEPER", deployer), 100 * 10 ** IERC20Metadata(d.underlying).decimals());
        }
        vm.stopBroadcast();
        string memory name = local ? "anvil-deployment" : string.concat(vm.toString(block.chainid), "-deployment");
        _write(d, vm.envOr("DEPLOYMENT_NAME", name));
    }

    function _deployLocalMarket(address deployer) internal returns (Deployment memory d) {
        MockERC20 weth = new MockERC20("Wrapped Ether (mock)", "WETH", 18);
        MockERC20 usdc = new MockERC20("USD Coin (mock)", "USDC", 6);
        d.underlying = address(weth);
        d.quote = address(usdc);
        d.factory = vm.deployCode(
            "node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json"
        );
        // The router's WETH9 only serves ETH wrapping, unused with two ERC-20s.
        d.router = vm.deployCode(
            "node_modules/@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
            abi.encode(d.factory, address(weth))
        );
        IUniswapV3Pool pool = IUniswapV3Pool(IUniswapV3Factory(d.factory).createPool(d.underlying, d.quote, 3000));
        d.pool = address(pool);
        pool.initialize(PoolMath.sqrtPriceX96(INITIAL_PRICE, pool.token0() == d.underlying, 18, 6));
        pool.increaseObservationCardinalityNext(64);
        LiquidityProvider provider = new LiquidityProvider();
        weth.mint(address(provider), 300_000e18);
        usdc.mint(address(provider), 1_000_000_000e6);
        provider.mint(pool, -887_220, 887_220, 1_100_000_000_000_000_000);
        // Working balances for the keeper's local tests.
        weth.mint(deployer, 1000e18);
        usdc.mint(deployer, 10_000_000e6);
        d.feed = address(new MockAggregatorV3(8, "ETH / USD", INITIAL_ANSWER));
    }

    function _existingMarket() internal view returns (Deployment memory d) {
        d.quote = vm.envAddress("QUOTE");
        d.underlying = vm.envAddress("UNDERLYING");
        d.router = vm.envAddress("ROUTER");
        d.pool = vm.envAddress("POOL");
        d.feed = vm.envAddress("FEED");
        d.factory = vm.envOr("FACTORY", address(0));
    }

    function _write(Deployment memory d, string memory name) internal {
        string memory key = "deployment";
        vm.serializeUint(key, "chainId", block.chainid);
        vm.serializeAddress(key, "quote", d.quote);
        vm.serializeAddress(key, "underlying", d.underlying);
        vm.serializeAddress(key, "uniswapV3Factory", d.factory);
        vm.serializeAddress(key, "swapRouter", d.router);
        vm.serializeAddress(key, "pool", d.pool);
        vm.serializeAddress(key, "priceFeed", d.feed);
        vm.serializeAddress(key, "oracleAdapter", d.adapter);
        vm.serializeAddress(key, "vault", d.vault);
        string memory json = vm.serializeAddress(key, "lens", d.lens);
        vm.writeJson(json, string.concat("config/", name, ".json"));
    }
}
