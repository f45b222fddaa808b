// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";

import {IOptionsVault} from "./interfaces/IOptionsVault.sol";
import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {BlackScholes} from "./libraries/BlackScholes.sol";

/// @title OptionsVault
/// @notice ERC-4626 vault over the quote asset that writes cash-settled European options and lets a keeper hedge
/// their delta on Uniswap V3 only within bounds the vault enforces itself. See `IOptionsVault` for the units and the
/// collateral rule, and contracts/README.md for the threat model.
/// @dev Share accounting: `totalAssets()` is the book's net asset value at the oracle price,
///     quote + underlying * S - reservedPayouts - sum of Black-Scholes marks of open series,
/// and a virtual offset of 10^6 shares (OpenZeppelin's `_decimalsOffset`) makes donation/inflation attacks cost the
/// attacker a million times what they could take. Every share conversion rounds in the vault's favour: deposit and
/// redeem round down, mint and withdraw round up (OpenZeppelin ERC4626); assets are valued rounded down and
/// liabilities rounded up.
contract OptionsVault is IOptionsVault, ERC4626, AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice May pause.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice May call `rebalance`, within its delta budget.
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");
    /// @notice May create series and write options.
    bytes32 public constant WRITER_ROLE = keccak256("WRITER_ROLE");
    /// @notice May set implied volatilities within [minVol, maxVol].
    bytes32 public constant VOL_SETTER_ROLE = keccak256("VOL_SETTER_ROLE");

    /// @notice Most series open (not settled) at once; bounds the gas of every book scan.
    uint256 public constant MAX_OPEN_SERIES = 16;

    uint256 private constant WAD = 1e18;
    uint256 private constant BPS = 10_000;
    uint8 private constant DECIMALS_OFFSET = 6;
    int256 private constant LN_1_0001 = 99_995_000_333_308; // ln(1.0001), WAD
    int256 private constant LN_10 = 2_302_585_092_994_045_684; // ln(10), WAD
    uint256 private constant Q192 = 1 << 192;
    uint256 private constant Q128 = 1 << 128;
    uint256 private constant Q64 = 1 << 64;

    /// @notice Constructor arguments.
    struct InitParams {
        IERC20Metadata quote;
        IERC20Metadata underlying;
        IOracleAdapter oracle;
        ISwapRouter router;
        IUniswapV3Pool pool;
        address admin;
        string name;
        string symbol;
        RebalanceConfig rebalanceConfig;
        DeltaConfig deltaConfig;
        WriteConfig writeConfig;
    }

    /// @dev Two storage slots per series.
    struct SeriesData {
        uint128 strike;
        uint64 expiry;
        uint64 vol;
        uint128 openSize;
        uint112 payoffPerUnit;
        bool isCall;
        bool settled;
    }

    /// @dev The rebalance limits and the last rebalance time share one slot.
    struct RebalanceState {
        uint16 maxDeviationBps;
        uint16 maxSlippageBps;
        uint32 twapWindow;
        uint32 cooldown;
        uint96 maxNotional;
        uint64 lastRebalanceAt;
    }

    /// @dev What `rebalance` knows before the swap.
    struct RebalancePlan {
        uint256 price;
        uint256 maxSlippageBps;
        uint256 quoteBefore;
        uint256 underlyingBefore;
        int256 optionDelta;
        int256 deltaBefore;
        uint256 liabilityLow;
        uint256 liabilityHigh;
    }

    IERC20 private immutable _underlying;
    IOracleAdapter private immutable _oracle;
    ISwapRouter private immutable _router;
    IUniswapV3Pool private immutable _pool;
    uint24 private immutable _poolFee;
    bool private immutable _underlyingIsToken0;
    uint256 private immutable _quoteUnit;
    uint256 private immutable _underlyingUnit;
    /// @dev WAD price = raw pool price (quote base units per underlying base unit) * _priceScale.
    uint256 private immutable _priceScale;
    /// @dev ln(_priceScale / WAD), WAD.
    int256 private immutable _lnPriceScale;

    RebalanceState private _rebalanceState;
    DeltaConfig private _deltaConfig;
    WriteConfig private _writeConfig;
    uint256 private _reservedPayouts;
    uint256 private _seriesCount;
    uint256[] private _openSeriesIds;
    mapping(uint256 seriesId => SeriesData) private _series;
    mapping(uint256 seriesId => mapping(address holder => uint256 size)) private _positions;
    mapping(address keeper => uint256 budget) private _deltaBudgets;

    constructor(InitParams memory p) ERC20(p.name, p.symbol) ERC4626(p.quote) {
        if (
            address(p.underlying) == address(0) || address(p.oracle) == address(0) || address(p.router) == address(0)
                || address(p.pool) == address(0) || p.admin == address(0)
        ) revert VaultZeroAddress();
        address token0 = p.pool.token0();
        address token1 = p.pool.token1();
        bool underlyingIsToken0 = token0 == address(p.underlying);
        if (
            !(underlyingIsToken0 && token1 == address(p.quote))
                && !(token0 == address(p.quote) && token1 == address(p.underlying))
        ) revert VaultInvalidConfig("pool");
        uint8 quoteDecimals = p.quote.decimals();
        uint8 underlyingDecimals = p.underlying.decimals();
        if (quoteDecimals > 18 || underlyingDecimals > 18) revert VaultInvalidConfig("decimals");

        _underlying = p.underlying;
        _oracle = p.oracle;
        _router = p.router;
        _pool = p.pool;
        _poolFee = p.pool.fee();
        _underlyingIsToken0 = underlyingIsToken0;
        _quoteUnit = 10 ** quoteDecimals;
        _underlyingUnit = 10 ** underlyingDecimals;
        _priceScale = WAD * 10 ** underlyingDecimals / 10 ** quoteDecimals;
        _lnPriceScale = (int256(uint256(underlyingDecimals)) - int256(uint256(quoteDecimals))) * LN_10;

        _grantRole(DEFAULT_ADMIN_ROLE, p.admin);
        _setRebalanceConfig(p.rebalanceConfig);
        _setDeltaConfig(p.deltaConfig);
        _setWriteConfig(p.writeConfig);
    }

    // =================================================================================================================
    // ERC-4626
    // =================================================================================================================

    /// @notice Net asset value at the oracle price, in quote base units, rounded down.
    /// @dev Never reverts. When the oracle is unusable the value is not meaningful (free quote only is reported), and
    /// every max* function returns 0 so no shares move at that value.
    function totalAssets() public view override returns (uint256) {
        (bool ok, uint256 price) = _tryPrice();
        uint256 quoteBalance = IERC20(asset()).balanceOf(address(this));
        if (!ok) return quoteBalance > _reservedPayouts ? quoteBalance - _reservedPayouts : 0;
        uint256 assets =
            quoteBalance + _quoteValue(_underlying.balanceOf(address(this)), price, Math.Rounding.Floor);
        uint256 liabilities = _reservedPayouts + _marks(price);
        return assets > liabilities ? assets - liabilities : 0;
    }

    /// @notice 0 while paused or while the oracle is unusable.
    function maxDeposit(address) public view override returns (uint256) {
        if (paused()) return 0;
        (bool ok,) = _tryPrice();
        return ok ? type(uint256).max : 0;
    }

    /// @notice 0 while paused or while the oracle is unusable.
    function maxMint(address) public view override returns (uint256) {
        if (paused()) return 0;
        (bool ok,) = _tryPrice();
        return ok ? type(uint256).max : 0;
    }

    /// @notice The owner's assets, limited to what the vault can pay out without breaking the collateral rule.
    function maxWithdraw(address owner) public view override returns (uint256) {
        (bool ok, uint256 price) = _tryPrice();
        if (!ok) return 0;
        return Math.min(super.maxWithdraw(owner), _withdrawable(price));
    }

    /// @notice The owner's shares, limited like `maxWithdraw`; converted rounding down.
    function maxRedeem(address owner) public view override returns (uint256) {
        (bool ok, uint256 price) = _tryPrice();
        if (!ok) return 0;
        return Math.min(balanceOf(owner), _convertToShares(_withdrawable(price), Math.Rounding.Floor));
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares)
        internal
        override
        nonReentrant
    {
        super._deposit(caller, receiver, assets, shares);
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
        nonReentrant
    {
        super._withdraw(caller, receiver, owner, assets, shares);
        // maxWithdraw already bounded `assets`; checking again keeps the rule local to the state change.
        _requireCollateral(_price());
    }

    // =================================================================================================================
    // Options
    // =================================================================================================================

    /// @inheritdoc IOptionsVault
    function createSeries(bool isCall, uint256 strike, uint256 expiry, uint256 vol)
        external
        onlyRole(WRITER_ROLE)
        whenNotPaused
        returns (uint256 seriesId)
    {
        WriteConfig memory config = _writeConfig;
        if (
            strike < BlackScholes.MIN_PRICE || strike > BlackScholes.MAX_PRICE || expiry <= block.timestamp
                || expiry > block.timestamp + config.maxTimeToExpiry
        ) revert VaultInvalidSeries(strike, expiry);
        _checkVol(vol, config);
        if (_openSeriesIds.length >= MAX_OPEN_SERIES) revert VaultTooManySeries(MAX_OPEN_SERIES);
        seriesId = ++_seriesCount;
        _series[seriesId] = SeriesData({
            strike: uint128(strike),
            expiry: uint64(expiry),
            vol: uint64(vol),
            openSize: 0,
            payoffPerUnit: 0,
            isCall: isCall,
            settled: false
        });
        _openSeriesIds.push(seriesId);
        emit SeriesCreated(seriesId, isCall, strike, expiry, vol);
    }

    /// @inheritdoc IOptionsVault
    function write(uint256 seriesId, uint256 size, uint256 premium, address holder)
        external
        onlyRole(WRITER_ROLE)
        whenNotPaused
        nonReentrant
    {
        if (size == 0) revert VaultZeroAmount();
        if (holder == address(0)) revert VaultZeroAddress();
        SeriesData storage s = _existingSeries(seriesId);
        if (s.expiry <= block.timestamp) revert VaultSeriesExpired(seriesId, s.expiry);
        uint256 price = _price();
        uint256 fairValue = _quoteValue(
            size, BlackScholes.price(s.isCall, price, s.strike, s.vol, s.expiry - block.timestamp), Math.Rounding.Ceil
        );
        if (premium < fairValue) revert VaultPremiumTooLow(premium, fairValue);
        s.openSize = (uint256(s.openSize) + size).toUint128();
        _positions[seriesId][holder] += size;
        IERC20(asset()).safeTransferFrom(msg.sender, address(this), premium);
        _requireCollateral(price);
        emit OptionWritten(seriesId, msg.sender, holder, size, premium);
    }

    /// @inheritdoc IOptionsVault
    function setVol(uint256 seriesId, uint256 vol) external onlyRole(VOL_SETTER_ROLE) {
        SeriesData storage s = _existingSeries(seriesId);
        if (s.expiry <= block.timestamp) revert VaultSeriesExpired(seriesId, s.expiry);
        _checkVol(vol, _writeConfig);
        uint256 oldVol = s.vol;
        s.vol = uint64(vol);
        emit VolUpdated(seriesId, oldVol, vol);
    }

    /// @inheritdoc IOptionsVault
    function settle(uint256 seriesId) external nonReentrant {
        SeriesData storage s = _existingSeries(seriesId);
        if (s.settled) revert VaultSeriesAlreadySettled(seriesId);
        if (s.expiry > block.timestamp) revert VaultSeriesNotExpired(seriesId, s.expiry);
        (uint256 price, uint256 updatedAt) = _oracle.latestPrice();
        if (updatedAt < s.expiry) revert VaultPriceBeforeExpiry(updatedAt, s.expiry);
        uint256 payoff = BlackScholes.intrinsic(s.isCall, price, s.strike);
        // Liability rounded up: the sum of the holders' floored claims never exceeds it.
        uint256 totalPayout = _quoteValue(s.openSize, payoff, Math.Rounding.Ceil);
        s.settled = true;
        s.payoffPerUnit = payoff.toUint112();
        _reservedPayouts += totalPayout;
        _removeOpenSeries(seriesId);
        emit SeriesSettled(seriesId, price, payoff, totalPayout);
    }

    /// @inheritdoc IOptionsVault
    function claim(uint256 seriesId) external nonReentrant returns (uint256 amount) {
        SeriesData storage s = _existingSeries(seriesId);
        if (!s.settled) revert VaultSeriesNotSettled(seriesId);
        uint256 size = _positions[seriesId][msg.sender];
        if (size == 0) revert VaultNothingToClaim(seriesId, msg.sender);
        amount = _quoteValue(size, s.payoffPerUnit, Math.Rounding.Floor);
        delete _positions[seriesId][msg.sender];
        s.openSize -= uint128(size);
        // amount <= this holder's share of the ceiling reserved at settlement, so this cannot underflow.
        _reservedPayouts -= amount;
        uint256 available = IERC20(asset()).balanceOf(address(this));
        if (amount > available) revert VaultInsufficientLiquidity(amount, available);
        if (amount != 0) IERC20(asset()).safeTransfer(msg.sender, amount);
        emit PayoutClaimed(seriesId, msg.sender, size, amount);
    }

    // =================================================================================================================
    // Hedging
    // =================================================================================================================

    /// @inheritdoc IOptionsVault
    /// @dev Checks, in order: role, pause, deadline, oracle freshness, pool spot and TWAP against the oracle, delta
    /// outside the tolerance and trade direction toward the target, cooldown (waived when urgent), notional cap;
    /// then swaps with the keeper's minimum output and the tighter of the keeper's and the vault's price limit
    /// (oracle price moved by maxSlippage), resets the router allowance, and checks on the amounts actually moved
    /// (a price limit may stop the swap early): output >= oracle value of the input * (1 - maxSlippage), no
    /// overshoot past the tolerance, the keeper's delta budget, and the collateral rule.
    function rebalance(RebalanceParams calldata params)
        external
        onlyRole(KEEPER_ROLE)
        whenNotPaused
        nonReentrant
        returns (uint256 amountIn, uint256 amountOut)
    {
        RebalancePlan memory plan = _planRebalance(params);
        _swap(params, plan.price, plan.maxSlippageBps);

        uint256 quoteAfter = IERC20(asset()).balanceOf(address(this));
        uint256 underlyingAfter = _underlying.balanceOf(address(this));
        uint256 moved; // underlying bought or sold: the delta consumed
        if (params.buyUnderlying) {
            amountIn = plan.quoteBefore - quoteAfter;
            amountOut = underlyingAfter - plan.underlyingBefore;
            moved = amountOut;
        } else {
            amountIn = plan.underlyingBefore - underlyingAfter;
            amountOut = quoteAfter - plan.quoteBefore;
            moved = amountIn;
        }
        // The vault's own floor from the oracle on what was actually spent, whatever minimum the keeper passed.
        uint256 minAmountOut = (
            params.buyUnderlying
                ? _underlyingValue(amountIn, plan.price, Math.Rounding.Floor)
                : _quoteValue(amountIn, plan.price, Math.Rounding.Floor)
        ) * (BPS - plan.maxSlippageBps) / BPS;
        if (amountOut < minAmountOut) revert VaultInsufficientOutput(amountOut, minAmountOut);
        int256 deltaAfter = int256(underlyingAfter) - plan.optionDelta;
        _checkOvershoot(deltaAfter, plan.deltaBefore);

        uint256 budget = _deltaBudgets[msg.sender];
        if (moved > budget) revert VaultDeltaBudgetExceeded(moved, budget);
        unchecked {
            // moved <= budget was just checked.
            budget -= moved;
        }
        _deltaBudgets[msg.sender] = budget;
        _rebalanceState.lastRebalanceAt = uint64(block.timestamp);

        _requireCollateralValues(plan.price, quoteAfter, underlyingAfter, plan.liabilityLow, plan.liabilityHigh);
        emit Rebalanced(
            msg.sender, params.buyUnderlying, amountIn, amountOut, plan.price, plan.deltaBefore, deltaAfter, budget
        );
    }

    /// @inheritdoc IOptionsVault
    function rebalanceBounds(address keeper) external view returns (RebalanceBounds memory b) {
        RebalanceState memory limits = _rebalanceState;
        DeltaConfig memory target = _deltaConfig;
        b.oraclePrice = _price();
        (uint160 sqrtPriceX96,,,,,,) = _pool.slot0();
        b.poolPrice = _priceFromSqrtX96(sqrtPriceX96);
        b.twapPrice = _twapPrice(limits.twapWindow);
        (int256 optionDelta,,) = _scanBook(b.oraclePrice, true);
        b.delta = int256(_underlying.balanceOf(address(this))) - optionDelta;
        b.targetDelta = target.targetDelta;
        b.tolerance = target.tolerance;
        uint256 distance = _abs(b.delta - b.targetDelta);
        b.urgent = distance >= target.urgentThreshold;
        b.cooldownEndsAt = b.urgent ? block.timestamp : Math.max(block.timestamp, limits.lastRebalanceAt + limits.cooldown);
        b.budget = _deltaBudgets[keeper];
        b.config = _toConfig(limits);
        if (distance > target.tolerance) {
            // Largest move that neither overshoots past the tolerance nor exceeds the budget, then the notional cap.
            uint256 move = Math.min(distance + target.tolerance, b.budget);
            if (b.delta < b.targetDelta) {
                b.maxQuoteIn = Math.min(_quoteValue(move, b.oraclePrice, Math.Rounding.Floor), limits.maxNotional);
            } else {
                b.maxUnderlyingIn =
                    Math.min(move, _underlyingValue(limits.maxNotional, b.oraclePrice, Math.Rounding.Floor));
            }
        }
    }

    /// @inheritdoc IOptionsVault
    function portfolioDelta() external view returns (int256 delta, uint256 oraclePrice) {
        oraclePrice = _price();
        (int256 optionDelta,,) = _scanBook(oraclePrice, true);
        delta = int256(_underlying.balanceOf(address(this))) - optionDelta;
    }

    /// @inheritdoc IOptionsVault
    function setDeltaBudget(address keeper, uint256 budget) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (keeper == address(0)) revert VaultZeroAddress();
        uint256 oldBudget = _deltaBudgets[keeper];
        _deltaBudgets[keeper] = budget;
        emit DeltaBudgetSet(keeper, oldBudget, budget);
    }

    /// @inheritdoc IOptionsVault
    function deltaBudget(address keeper) external view returns (uint256) {
        return _deltaBudgets[keeper];
    }

    // =================================================================================================================
    // Views
    // =================================================================================================================

    /// @inheritdoc IOptionsVault
    function openSeries() external view returns (Series[] memory result) {
        uint256 n = _openSeriesIds.length;
        result = new Series[](n);
        for (uint256 i = 0; i < n; ++i) {
            result[i] = _toSeries(_openSeriesIds[i]);
        }
    }

    /// @inheritdoc IOptionsVault
    function series(uint256 seriesId) external view returns (Series memory) {
        _existingSeries(seriesId);
        return _toSeries(seriesId);
    }

    /// @inheritdoc IOptionsVault
    function positionOf(uint256 seriesId, address holder) external view returns (uint256) {
        return _positions[seriesId][holder];
    }

    /// @inheritdoc IOptionsVault
    function reservedPayouts() external view returns (uint256) {
        return _reservedPayouts;
    }

    /// @inheritdoc IOptionsVault
    function collateralValues() external view returns (int256 valueAtLow, int256 valueAtHigh) {
        uint256 price = _price();
        (, uint256 liabilityLow, uint256 liabilityHigh) = _scanBook(price, false);
        (valueAtLow, valueAtHigh) = _edgeValues(
            price,
            IERC20(asset()).balanceOf(address(this)),
            _underlying.balanceOf(address(this)),
            liabilityLow,
            liabilityHigh
        );
    }

    /// @inheritdoc IOptionsVault
    function fairPremium(uint256 seriesId, uint256 size) external view returns (uint256) {
        SeriesData storage s = _existingSeries(seriesId);
        uint256 timeToExpiry = s.expiry > block.timestamp ? s.expiry - block.timestamp : 0;
        return _quoteValue(size, BlackScholes.price(s.isCall, _price(), s.strike, s.vol, timeToExpiry), Math.Rounding.Ceil);
    }

    /// @inheritdoc IOptionsVault
    function oracle() external view returns (IOracleAdapter) {
        return _oracle;
    }

    /// @inheritdoc IOptionsVault
    function underlying() external view returns (address) {
        return address(_underlying);
    }

    /// @inheritdoc IOptionsVault
    function swapRouter() external view returns (address) {
        return address(_router);
    }

    /// @inheritdoc IOptionsVault
    function pool() external view returns (address) {
        return address(_pool);
    }

    /// @inheritdoc IOptionsVault
    function rebalanceConfig() external view returns (RebalanceConfig memory) {
        return _toConfig(_rebalanceState);
    }

    /// @inheritdoc IOptionsVault
    function deltaConfig() external view returns (DeltaConfig memory) {
        return _deltaConfig;
    }

    /// @inheritdoc IOptionsVault
    function writeConfig() external view returns (WriteConfig memory) {
        return _writeConfig;
    }

    /// @inheritdoc IOptionsVault
    function lastRebalanceAt() external view returns (uint256) {
        return _rebalanceState.lastRebalanceAt;
    }

    // =================================================================================================================
    // Admin
    // =================================================================================================================

    /// @inheritdoc IOptionsVault
    function setRebalanceConfig(RebalanceConfig calldata config) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRebalanceConfig(config);
    }

    /// @inheritdoc IOptionsVault
    function setDeltaConfig(DeltaConfig calldata config) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDeltaConfig(config);
    }

    /// @inheritdoc IOptionsVault
    function setWriteConfig(WriteConfig calldata config) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWriteConfig(config);
    }

    /// @inheritdoc IOptionsVault
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @inheritdoc IOptionsVault
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // =================================================================================================================
    // Internal: configuration
    // =================================================================================================================

    function _setRebalanceConfig(RebalanceConfig memory config) private {
        if (config.maxDeviationBps == 0 || config.maxDeviationBps > 1_000) revert VaultInvalidConfig("maxDeviationBps");
        if (config.maxSlippageBps == 0 || config.maxSlippageBps > 1_000) revert VaultInvalidConfig("maxSlippageBps");
        if (config.twapWindow < 30 || config.twapWindow > 1 hours) revert VaultInvalidConfig("twapWindow");
        if (config.cooldown > 1 days) revert VaultInvalidConfig("cooldown");
        if (config.maxNotional == 0) revert VaultInvalidConfig("maxNotional");
        RebalanceState storage state = _rebalanceState;
        state.maxDeviationBps = config.maxDeviationBps;
        state.maxSlippageBps = config.maxSlippageBps;
        state.twapWindow = config.twapWindow;
        state.cooldown = config.cooldown;
        state.maxNotional = config.maxNotional;
        emit RebalanceConfigSet(config);
    }

    function _setDeltaConfig(DeltaConfig memory config) private {
        if (config.tolerance == 0) revert VaultInvalidConfig("tolerance");
        if (config.urgentThreshold <= config.tolerance) revert VaultInvalidConfig("urgentThreshold");
        _deltaConfig = config;
        emit DeltaConfigSet(config);
    }

    function _setWriteConfig(WriteConfig memory config) private {
        if (config.stressBps == 0 || config.stressBps >= BPS) revert VaultInvalidConfig("stressBps");
        if (config.minVol < BlackScholes.MIN_VOL || config.minVol > config.maxVol) revert VaultInvalidConfig("minVol");
        if (config.maxVol > BlackScholes.MAX_VOL) revert VaultInvalidConfig("maxVol");
        if (config.maxTimeToExpiry == 0 || config.maxTimeToExpiry > BlackScholes.MAX_TIME) {
            revert VaultInvalidConfig("maxTimeToExpiry");
        }
        _writeConfig = config;
        emit WriteConfigSet(config);
    }

    function _checkVol(uint256 vol, WriteConfig memory config) private pure {
        if (vol < config.minVol || vol > config.maxVol) revert VaultInvalidVol(vol, config.minVol, config.maxVol);
    }

    function _toConfig(RebalanceState memory s) private pure returns (RebalanceConfig memory) {
        return RebalanceConfig({
            maxDeviationBps: s.maxDeviationBps,
            maxSlippageBps: s.maxSlippageBps,
            twapWindow: s.twapWindow,
            cooldown: s.cooldown,
            maxNotional: s.maxNotional
        });
    }

    // =================================================================================================================
    // Internal: book
    // =================================================================================================================

    function _existingSeries(uint256 seriesId) private view returns (SeriesData storage s) {
        s = _series[seriesId];
        if (s.expiry == 0) revert VaultUnknownSeries(seriesId);
    }

    function _toSeries(uint256 seriesId) private view returns (Series memory) {
        SeriesData memory s = _series[seriesId];
        return Series({
            id: seriesId,
            isCall: s.isCall,
            strike: s.strike,
            expiry: s.expiry,
            vol: s.vol,
            openSize: s.openSize,
            settled: s.settled,
            payoffPerUnit: s.payoffPerUnit
        });
    }

    function _removeOpenSeries(uint256 seriesId) private {
        uint256 n = _openSeriesIds.length;
        for (uint256 i = 0; i < n; ++i) {
            if (_openSeriesIds[i] == seriesId) {
                _openSeriesIds[i] = _openSeriesIds[n - 1];
                _openSeriesIds.pop();
                return;
            }
        }
    }

    /// @dev One pass over the open series: the options' delta at `price` (when `withDelta`) and the payoff
    /// liabilities at the collateral band's edges, in quote rounded up.
    function _scanBook(uint256 price, bool withDelta)
        private
        view
        returns (int256 optionDelta, uint256 liabilityLow, uint256 liabilityHigh)
    {
        uint256 stress = _writeConfig.stressBps;
        uint256 low = price * (BPS - stress) / BPS;
        uint256 high = price * (BPS + stress) / BPS;
        uint256 n = _openSeriesIds.length;
        for (uint256 i = 0; i < n; ++i) {
            SeriesData memory s = _series[_openSeriesIds[i]];
            if (s.openSize == 0) continue;
            if (withDelta) {
                uint256 timeToExpiry = s.expiry > block.timestamp ? s.expiry - block.timestamp : 0;
                optionDelta += int256(uint256(s.openSize)) * BlackScholes.delta(s.isCall, price, s.strike, s.vol, timeToExpiry)
                    / int256(WAD);
            }
            liabilityLow += _quoteValue(s.openSize, BlackScholes.intrinsic(s.isCall, low, s.strike), Math.Rounding.Ceil);
            liabilityHigh += _quoteValue(s.openSize, BlackScholes.intrinsic(s.isCall, high, s.strike), Math.Rounding.Ceil);
        }
    }

    /// @dev Sum of the Black-Scholes values of the open series at `price`, quote rounded up.
    function _marks(uint256 price) private view returns (uint256 total) {
        uint256 n = _openSeriesIds.length;
        for (uint256 i = 0; i < n; ++i) {
            SeriesData memory s = _series[_openSeriesIds[i]];
            if (s.openSize == 0) continue;
            uint256 timeToExpiry = s.expiry > block.timestamp ? s.expiry - block.timestamp : 0;
            total += _quoteValue(
                s.openSize, BlackScholes.price(s.isCall, price, s.strike, s.vol, timeToExpiry), Math.Rounding.Ceil
            );
        }
    }

    function _edgeValues(
        uint256 price,
        uint256 quoteBalance,
        uint256 underlyingBalance,
        uint256 liabilityLow,
        uint256 liabilityHigh
    ) private view returns (int256 valueAtLow, int256 valueAtHigh) {
        uint256 stress = _writeConfig.stressBps;
        int256 fixedPart = int256(quoteBalance) - int256(_reservedPayouts);
        valueAtLow = fixedPart
            + int256(_quoteValue(underlyingBalance, price * (BPS - stress) / BPS, Math.Rounding.Floor))
            - int256(liabilityLow);
        valueAtHigh = fixedPart
            + int256(_quoteValue(underlyingBalance, price * (BPS + stress) / BPS, Math.Rounding.Floor))
            - int256(liabilityHigh);
    }

    function _requireCollateral(uint256 price) private view {
        (, uint256 liabilityLow, uint256 liabilityHigh) = _scanBook(price, false);
        _requireCollateralValues(
            price,
            IERC20(asset()).balanceOf(address(this)),
            _underlying.balanceOf(address(this)),
            liabilityLow,
            liabilityHigh
        );
    }

    function _requireCollateralValues(
        uint256 price,
        uint256 quoteBalance,
        uint256 underlyingBalance,
        uint256 liabilityLow,
        uint256 liabilityHigh
    ) private view {
        (int256 valueAtLow, int256 valueAtHigh) =
            _edgeValues(price, quoteBalance, underlyingBalance, liabilityLow, liabilityHigh);
        if (valueAtLow < 0 || valueAtHigh < 0) revert VaultCollateralRuleViolated(valueAtLow, valueAtHigh);
    }

    /// @dev Quote that can leave without breaking the rule: min(free quote, V(P-), V(P+)), floored at 0.
    function _withdrawable(uint256 price) private view returns (uint256) {
        uint256 quoteBalance = IERC20(asset()).balanceOf(address(this));
        if (quoteBalance <= _reservedPayouts) return 0;
        (, uint256 liabilityLow, uint256 liabilityHigh) = _scanBook(price, false);
        (int256 valueAtLow, int256 valueAtHigh) = _edgeValues(
            price, quoteBalance, _underlying.balanceOf(address(this)), liabilityLow, liabilityHigh
        );
        int256 headroom = valueAtLow < valueAtHigh ? valueAtLow : valueAtHigh;
        if (headroom <= 0) return 0;
        return Math.min(quoteBalance - _reservedPayouts, uint256(headroom));
    }

    // =================================================================================================================
    // Internal: prices and swaps
    // =================================================================================================================

    function _price() private view returns (uint256 price) {
        (price,) = _oracle.latestPrice();
        if (price < BlackScholes.MIN_PRICE || price > BlackScholes.MAX_PRICE) {
            revert IOracleAdapter.OracleNonPositiveAnswer(int256(price));
        }
    }

    /// @dev Never reverts: a failing adapter or a price outside the pricing domain reports `ok = false`.
    function _tryPrice() private view returns (bool ok, uint256 price) {
        try _oracle.tryLatestPrice() returns (IOracleAdapter.Status status, uint256 p, uint256) {
            ok = status == IOracleAdapter.Status.Ok && p >= BlackScholes.MIN_PRICE && p <= BlackScholes.MAX_PRICE;
            price = p;
        } catch {
            return (false, 0);
        }
    }

    /// @dev Value in quote base units of `amount` underlying base units at WAD `price`.
    function _quoteValue(uint256 amount, uint256 price, Math.Rounding rounding) private view returns (uint256) {
        return Math.mulDiv(amount, price * _quoteUnit, WAD * _underlyingUnit, rounding);
    }

    /// @dev Underlying base units worth `amount` quote base units at WAD `price`.
    function _underlyingValue(uint256 amount, uint256 price, Math.Rounding rounding) private view returns (uint256) {
        return Math.mulDiv(amount, WAD * _underlyingUnit, price * _quoteUnit, rounding);
    }

    function _checkPoolAgainstOracle(uint256 price, RebalanceState memory limits) private view {
        (uint160 sqrtPriceX96,,,,,,) = _pool.slot0();
        uint256 poolPrice = _priceFromSqrtX96(sqrtPriceX96);
        if (_deviationBps(poolPrice, price) > limits.maxDeviationBps) revert VaultPoolPriceDeviation(poolPrice, price);
        uint256 twap = _twapPrice(limits.twapWindow);
        if (_deviationBps(twap, price) > limits.maxDeviationBps) revert VaultTwapDeviation(twap, price);
    }

    /// @dev |a - b| / b in basis points, rounded up.
    function _deviationBps(uint256 a, uint256 b) private pure returns (uint256) {
        return Math.mulDiv(a > b ? a - b : b - a, BPS, b, Math.Rounding.Ceil);
    }

    /// @dev WAD price (quote per whole underlying) from the pool's sqrt price.
    function _priceFromSqrtX96(uint160 sqrtPriceX96) private view returns (uint256) {
        // raw = token1 / token0 in base units = sqrtP^2 / 2^192; x = raw * 2^128 (cannot overflow: sqrtP < 2^160).
        uint256 x = Math.mulDiv(sqrtPriceX96, sqrtPriceX96, Q64);
        return _underlyingIsToken0 ? Math.mulDiv(x, _priceScale, Q128) : Math.mulDiv(_priceScale, Q128, x);
    }

    /// @dev sqrtPriceX96 at which the pool's price equals WAD `price`.
    function _sqrtX96FromPrice(uint256 price) private view returns (uint160) {
        uint256 ratioX192 = _underlyingIsToken0 ? Math.mulDiv(price, Q192, _priceScale) : Math.mulDiv(_priceScale, Q192, price);
        return Math.sqrt(ratioX192).toUint160();
    }

    /// @dev Arithmetic-mean tick over `window` seconds (rounded toward negative infinity, as Uniswap's
    /// OracleLibrary does) turned into a WAD price: exp(+-tick ln 1.0001 + ln(priceScale / 1e18)).
    function _twapPrice(uint32 window) private view returns (uint256) {
        uint32[] memory secondsAgos = new uint32[](2);
        secondsAgos[0] = window;
        (int56[] memory tickCumulatives,) = _pool.observe(secondsAgos);
        int56 delta = tickCumulatives[1] - tickCumulatives[0];
        int56 meanTick = delta / int56(uint56(window));
        if (delta < 0 && delta % int56(uint56(window)) != 0) meanTick--;
        int256 logRaw = int256(meanTick) * LN_1_0001;
        return uint256(BlackScholes.exp((_underlyingIsToken0 ? logRaw : -logRaw) + _lnPriceScale));
    }

    /// @dev Every check that does not need the swap's outcome.
    function _planRebalance(RebalanceParams calldata params) private view returns (RebalancePlan memory plan) {
        if (params.deadline < block.timestamp) revert VaultDeadlineExpired(params.deadline, block.timestamp);
        if (params.amountIn == 0) revert VaultZeroAmount();
        RebalanceState memory limits = _rebalanceState;
        plan.price = _price();
        plan.maxSlippageBps = limits.maxSlippageBps;
        _checkPoolAgainstOracle(plan.price, limits);

        plan.quoteBefore = IERC20(asset()).balanceOf(address(this));
        plan.underlyingBefore = _underlying.balanceOf(address(this));
        (plan.optionDelta, plan.liabilityLow, plan.liabilityHigh) = _scanBook(plan.price, true);
        plan.deltaBefore = int256(plan.underlyingBefore) - plan.optionDelta;

        DeltaConfig memory target = _deltaConfig;
        int256 distance = plan.deltaBefore - target.targetDelta;
        uint256 absDistance = _abs(distance);
        if (absDistance <= target.tolerance) {
            revert VaultWithinTolerance(plan.deltaBefore, target.targetDelta, target.tolerance);
        }
        // Too much underlying (distance > 0) must be sold; too little must be bought.
        if ((distance > 0) == params.buyUnderlying) {
            revert VaultWrongDirection(plan.deltaBefore, target.targetDelta, params.buyUnderlying);
        }
        uint256 cooldownEndsAt = uint256(limits.lastRebalanceAt) + limits.cooldown;
        if (absDistance < target.urgentThreshold && block.timestamp < cooldownEndsAt) {
            revert VaultCooldownActive(cooldownEndsAt);
        }
        uint256 notional =
            params.buyUnderlying ? params.amountIn : _quoteValue(params.amountIn, plan.price, Math.Rounding.Ceil);
        if (notional > limits.maxNotional) revert VaultNotionalCapExceeded(notional, limits.maxNotional);
    }

    function _swap(RebalanceParams calldata params, uint256 price, uint256 maxSlippageBps) private {
        // Approve exactly amountIn, swap, and clear whatever the router did not pull.
        (IERC20 tokenIn, IERC20 tokenOut) =
            params.buyUnderlying ? (IERC20(asset()), _underlying) : (_underlying, IERC20(asset()));
        // Buying underlying pushes the WAD price up; the limit is the oracle price moved by the slippage bound.
        uint256 limitPrice = params.buyUnderlying
            ? price * (BPS + maxSlippageBps) / BPS
            : price * (BPS - maxSlippageBps) / BPS;
        uint160 limit = _sqrtX96FromPrice(limitPrice);
        bool zeroForOne = address(tokenIn) < address(tokenOut);
        if (params.sqrtPriceLimitX96 != 0) {
            // zeroForOne lowers the pool's sqrt price: the tighter limit is the higher one, and vice versa.
            limit = zeroForOne
                ? (params.sqrtPriceLimitX96 > limit ? params.sqrtPriceLimitX96 : limit)
                : (params.sqrtPriceLimitX96 < limit ? params.sqrtPriceLimitX96 : limit);
        }

        tokenIn.forceApprove(address(_router), params.amountIn);
        _router.exactInputSingle(
            ISwapRouter.ExactInputSingleParams({
                tokenIn: address(tokenIn),
                tokenOut: address(tokenOut),
                fee: _poolFee,
                recipient: address(this),
                deadline: params.deadline,
                amountIn: params.amountIn,
                amountOutMinimum: params.minAmountOut,
                sqrtPriceLimitX96: limit
            })
        );
        // A swap stopped by the price limit leaves part of the allowance: never leave any behind.
        if (tokenIn.allowance(address(this), address(_router)) != 0) tokenIn.forceApprove(address(_router), 0);
    }

    function _checkOvershoot(int256 deltaAfter, int256 deltaBefore) private view {
        DeltaConfig memory target = _deltaConfig;
        int256 distanceBefore = deltaBefore - target.targetDelta;
        int256 distanceAfter = deltaAfter - target.targetDelta;
        // Crossing the target is allowed only to within the tolerance; staying on the same side can only have
        // moved toward the target (direction checked before the swap), so |distance| never grows.
        bool crossed = (distanceBefore > 0 && distanceAfter < 0) || (distanceBefore < 0 && distanceAfter > 0);
        if (crossed && _abs(distanceAfter) > target.tolerance) {
            revert VaultOvershoot(deltaAfter, target.targetDelta, target.tolerance);
        }
    }

    function _abs(int256 x) private pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }

    /// @dev AccessControl and the interfaces both declare supportsInterface.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IOptionsVault).interfaceId || super.supportsInterface(interfaceId);
    }
}
